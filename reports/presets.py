"""Targets from the policy documents in shared/seeds, loadable per deployment.

Each preset names the area it was written for (by statistical code), the year, and for each
target the metric, comparison, threshold, level and clause. `load_preset` writes them idempotently
and adds a new threshold version only when the figure changed.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from reports.models import Target, TargetThreshold
from stations.models import AdminArea

Level = AdminArea.Level


@dataclass(frozen=True)
class PresetTarget:
    metric: str
    threshold: str
    clause: str
    level: int | None = None
    comparison: str = Target.Comparison.AT_LEAST
    area_code: str | None = None  # a narrower area than the preset's, e.g. one named county


@dataclass(frozen=True)
class Preset:
    key: str
    area_code: str
    year: int
    document: str
    targets: tuple[PresetTarget, ...]


ORDOS = "150600000000"
PRESETS: dict[str, Preset] = {
    preset.key: preset
    for preset in [
        Preset(
            "ordos-2025",
            ORDOS,
            2025,
            "鄂尔多斯市“五社联动”实施方案（“十四五”末目标）",
            (
                PresetTarget("township_station_coverage", "100", "乡镇（街道）社工站全覆盖"),
                PresetTarget(
                    "community_social_work_coverage", "100", "每个社区都有社会工作者提供服务"
                ),
                PresetTarget("talent_total", "5000", "社会工作人才总量达到5000人", Level.CITY),
                PresetTarget("talent_per_mille", "2.5", "社会工作人才占常住人口2.5‰以上"),
                PresetTarget(
                    "urban_community_orgs_min", "10", "每个城市社区不少于10个社区社会组织"
                ),
                PresetTarget("rural_community_orgs_min", "5", "每个农村社区不少于5个社区社会组织"),
                PresetTarget("station_six_haves_share", "100", "社工站达到“六有”标准"),
            ),
        ),
        Preset(
            "jinan-2021",
            "370100000000",
            2021,
            "济南市乡镇（街道）社会工作服务站建设实施方案",
            (
                PresetTarget(
                    "township_station_coverage", "100", "2021年实现乡镇（街道）社工站全覆盖"
                ),
                PresetTarget(
                    "station_staffing_share", "100", "每站不少于3名驻站社工，2/3持证或专业"
                ),
                PresetTarget("resident_hours_share", "100", "驻站社工每周在社区服务不少于24小时"),
                PresetTarget("monthly_report_timeliness", "100", "承接主体按月报送工作简报"),
            ),
        ),
        Preset(
            "beijing-pilot",
            "110000000000",
            2025,
            "北京市街道（乡镇）社会工作服务中心试点",
            (
                PresetTarget(
                    "station_cases_supervision_share",
                    "100",
                    "每年完成个案不少于10个、专业督导不少于60小时",
                ),
            ),
        ),
        Preset(
            "huangshan-2022",
            "341000000000",
            2022,
            "黄山市培育发展社区社会组织专项行动方案（2022年）",
            (
                PresetTarget("rural_community_orgs_avg", "3", "农村社区平均不少于3个"),
                PresetTarget(
                    "urban_community_orgs_avg",
                    "15",
                    "屯溪区城市社区平均不少于15个（2022年）",
                    area_code="341002000000",
                ),
            ),
        ),
        Preset(
            "huangshan-2023",
            "341000000000",
            2023,
            "黄山市培育发展社区社会组织专项行动方案（2023年）",
            (
                PresetTarget("urban_community_orgs_avg", "15", "城市社区平均不少于15个"),
                PresetTarget("rural_community_orgs_avg", "5", "农村社区平均不少于5个"),
                PresetTarget("brand_orgs", "7", "全市培育品牌社区社会组织不少于7个", Level.CITY),
                PresetTarget("brand_projects", "10", "品牌项目不少于10个", Level.CITY),
                PresetTarget("federation_coverage", "100", "乡镇（街道）社区社会组织联合会全覆盖"),
            ),
        ),
        Preset(
            "ningxia-2025",
            "640000000000",
            2025,
            "宁夏回族自治区志愿服务工作要点",
            (
                PresetTarget(
                    "volunteer_point_coverage", "80", "80%以上社区综合服务设施建有志愿服务站点"
                ),
            ),
        ),
        Preset(
            "xiamen-reference",
            "350200000000",
            2025,
            "厦门市社会工作人才情况（参考：每万人16.74名持证社工）",
            (PresetTarget("certified_per_10k", "16.74", "持证社会工作者每万人16.74名"),),
        ),
    ]
}


class PresetAreaMissing(Exception):
    pass


@transaction.atomic
def load_preset(key: str, *, area_code: str | None = None, actor=None) -> list[Target]:
    """Writes a preset's targets under its area (or `area_code`); returns them.

    Re-loading changes nothing unless a threshold differs, which then becomes a new version.
    """
    preset = PRESETS[key]
    root_code = area_code or preset.area_code
    areas = {
        area.code: area
        for area in AdminArea.objects.filter(
            code__in=[root_code, *(t.area_code for t in preset.targets if t.area_code)]
        )
    }
    if root_code not in areas:
        raise PresetAreaMissing(root_code)
    written = []
    now = timezone.now()
    for item in preset.targets:
        area = areas.get(item.area_code or root_code)
        if area is None:
            continue
        target, _created = Target.objects.update_or_create(
            metric=item.metric,
            area=area,
            level=item.level,
            year=preset.year,
            defaults={
                "comparison": item.comparison,
                "source_document": preset.document,
                "source_clause": item.clause,
                "preset": preset.key,
                "is_active": True,
            },
        )
        current = target.thresholds.order_by("-valid_from").first()
        if current is None or current.value != Decimal(item.threshold):
            TargetThreshold.objects.create(
                target=target, value=Decimal(item.threshold), valid_from=now, created_by=actor
            )
        written.append(target)
    return written
