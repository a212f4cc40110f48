"""Repair: find and measure the dots of an existing SMP in a calibrated close-up.

:func:`~smpstudio.repair.detect.detect_dots` turns a photo into a :class:`~smpstudio.repair.dotmap.DotMap`
(every deposit with its position, apparent size, contrast, blue shift, blur and flags);
:mod:`smpstudio.repair.layout` maps density, the hairline and over-dense areas;
:mod:`smpstudio.repair.synthetic` draws close-ups with known dots for tests and benchmarks.
"""
