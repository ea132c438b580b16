"""Forms of the contractor portal (validation only; writes go through projects.workflow)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from projects import vocabulary
from projects.models import Report


class ReportForm(forms.ModelForm):
    """The monthly briefing (also the mid-term and final reports): figures, texts and the version."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Report
        fields = [
            "cases_opened",
            "cases_closed",
            "activities",
            "volunteers",
            "volunteer_hours",
            "charity_yuan",
            "highlights",
            "problems",
            "next_month_plan",
        ]
        widgets = {
            "highlights": forms.Textarea(attrs={"rows": 3}),
            "problems": forms.Textarea(attrs={"rows": 3}),
            "next_month_plan": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        report = self.instance
        self.fields["version"].initial = report.version
        self.service_rows = []
        for key, label in vocabulary.service_kind_choices():
            figures = report.services_delivered.get(key, {})
            count = forms.IntegerField(
                label=_("%(kind)s: services") % {"kind": label},
                min_value=0,
                required=False,
                initial=figures.get("count", 0),
            )
            hours = forms.DecimalField(
                label=_("%(kind)s: hours") % {"kind": label},
                min_value=0,
                max_digits=8,
                decimal_places=1,
                required=False,
                initial=figures.get("hours", 0),
            )
            self.fields[f"service_{key}_count"] = count
            self.fields[f"service_{key}_hours"] = hours
            self.service_rows.append((label, f"service_{key}_count", f"service_{key}_hours"))
        self.people_fields = []
        for key, label in vocabulary.vulnerable_group_choices():
            self.fields[f"people_{key}"] = forms.IntegerField(
                label=label, min_value=0, required=False, initial=report.people_served.get(key, 0)
            )
            self.people_fields.append(f"people_{key}")

    def service_field_rows(self):
        return [(label, self[count], self[hours]) for label, count, hours in self.service_rows]

    def people_bound_fields(self):
        return [self[name] for name in self.people_fields]

    def content(self) -> dict:
        """The cleaned data as the workflow service takes it."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["services_delivered"] = {
            key: {
                "count": self.cleaned_data.get(f"service_{key}_count") or 0,
                "hours": str(self.cleaned_data.get(f"service_{key}_hours") or 0),
            }
            for key, _label in vocabulary.service_kind_choices()
        }
        data["people_served"] = {
            key: self.cleaned_data.get(f"people_{key}") or 0
            for key, _label in vocabulary.vulnerable_group_choices()
        }
        return data


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("JPG, PNG, PDF, DOCX or XLSX, at most 10 MB.")
    )


class ReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for return"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning the report."),
    )
