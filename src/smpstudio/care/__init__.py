"""Care rules: screening, patch tests, aftercare, side-effect triage, pigment compliance, removal.

The rules are data (``smpstudio/data/rules/*.toml``), each entry with its source and evidence grade;
these modules apply them.
"""
