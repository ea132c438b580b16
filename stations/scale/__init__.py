"""Scale data: a registry of realistic size over a real division tree (issue #10).

`stations.scale.generator.generate` does the work; `manage.py generate_scale_data` calls it.
"""
