"""The consultation page's words: views, landmarks, hairline points and styles, the timeline's stops and the
sliders' ranges, each checked against the engine it names by the page tests."""

from __future__ import annotations

__all__ = [
    "ACCEPTED",
    "DAY_STOPS",
    "HAIRLINE_WORDS",
    "LANDMARK_WORDS",
    "SLIDERS",
    "STYLE_WORDS",
    "VIEW_ANCHORS",
    "VIEW_WORDS",
]

#: The views a photo is taken from, in the words of the upload form (left and right are the client's own).
VIEW_WORDS = {
    "front": "Front",
    "top": "Top, from above",
    "left": "The client's left side",
    "right": "The client's right side",
    "back": "Back",
    "three-quarter": "Three-quarter, the client's front right",
}
#: Each landmark of the project (``smpstudio.design.landmarks``) in words, with where to click it. Left and
#: right are the client's own sides.
LANDMARK_WORDS = {
    "glabella": ("Glabella", "between the eyebrows"),
    "lateral_canthus_right": ("Outer corner of the right eye", "the image's left in a front view"),
    "lateral_canthus_left": ("Outer corner of the left eye", "the image's right in a front view"),
    "mid_frontal_point": ("Mid-frontal point", "the middle of the planned hairline"),
    "fronto_temporal_right": ("Right front corner", "where the hairline turns back, client's right"),
    "fronto_temporal_left": ("Left front corner", "where the hairline turns back, client's left"),
    "temporal_peak_right": ("Right temple peak", "the point of hair above the right temple"),
    "temporal_peak_left": ("Left temple peak", "the point of hair above the left temple"),
    "vertex": ("Vertex", "the top of the head"),
    "crown_whorl": ("Crown whorl", "the centre of the crown's swirl"),
    "occiput": ("Occiput", "the bump at the back of the skull"),
    "ear_right": ("Right ear", "the top of where the right ear meets the head"),
    "ear_left": ("Left ear", "the top of where the left ear meets the head"),
}
#: The landmarks each view shows, easiest to click first: those facing the canonical camera of the view
#: (``smpstudio.render.camera.VIEWS``), and the ears of a back view, on its outline but within what the fit
#: takes (``smpstudio.photo.anchors.HIDDEN_COSINE``), as ``tests/web/test_pages_consultation.py`` checks. The
#: others are offered under "other landmarks".
VIEW_ANCHORS = {
    "front": (
        "glabella",
        "lateral_canthus_right",
        "lateral_canthus_left",
        "mid_frontal_point",
        "fronto_temporal_right",
        "fronto_temporal_left",
        "temporal_peak_right",
        "temporal_peak_left",
    ),
    "top": (
        "mid_frontal_point",
        "vertex",
        "crown_whorl",
        "fronto_temporal_right",
        "fronto_temporal_left",
        "temporal_peak_right",
        "temporal_peak_left",
    ),
    "left": ("lateral_canthus_left", "ear_left", "temporal_peak_left", "fronto_temporal_left"),
    "right": ("lateral_canthus_right", "ear_right", "temporal_peak_right", "fronto_temporal_right"),
    "back": ("occiput", "ear_left", "ear_right", "crown_whorl", "vertex"),
    "three-quarter": (
        "glabella",
        "lateral_canthus_right",
        "mid_frontal_point",
        "fronto_temporal_right",
        "temporal_peak_right",
        "ear_right",
        "crown_whorl",
    ),
}
#: The hairline's control points (``smpstudio.design.hairline.HAIRLINE_POINTS``) in words.
HAIRLINE_WORDS = {
    "temporal_peak_right": "right temple peak",
    "fronto_temporal_right": "right front corner",
    "frontal_right": "right of the front",
    "mid_frontal_point": "middle of the hairline",
    "frontal_left": "left of the front",
    "fronto_temporal_left": "left front corner",
    "temporal_peak_left": "left temple peak",
}
#: The hairline styles of the design engine (``smpstudio.design.hairline_styles.STYLES``) in words, as the
#: page tests check.
STYLE_WORDS = {
    "natural": "Natural: soft, slightly irregular edge",
    "soft": "Soft: a wide, feathered edge",
    "defined": "Defined: a crisp, even edge",
    "mature": "Mature: higher in the middle, receded corners",
    "widows-peak": "Widow's peak: a point in the middle",
}
#: The timeline's stops [days after the session]: scabs (day 3), flaking (day 10), healed (day 30, the
#: settled colour of ``smpstudio.skin.technique.SETTLED_DAY``), one year and four years of fading.
DAY_STOPS = ((3, "Day 3: scabs"), (10, "Day 10"), (30, "Day 30: healed"), (365, "1 year"), (1461, "4 years"))
#: The sliders' ranges and steps, the design engine's own (``smpstudio.design.maps``: density
#: 10-200 dots/cm², healed dot diameter 0.07-0.25 mm, ink fraction 0.05-1), as the page tests check, with
#: steps that hold the tone-match proposal's values (``smpstudio.design.proposal``: 5 dots/cm², 0.01 mm,
#: 0.01). They start at the design's own values, which the fit answers with (until then they are disabled).
SLIDERS = {
    "density_per_cm2": {"min": 10.0, "max": 200.0, "step": 1.0},
    "dot_diameter_mm": {"min": 0.07, "max": 0.25, "step": 0.01},
    "ink_fraction": {"min": 0.05, "max": 1.0, "step": 0.01},
}
#: The media types the upload form offers (a phone's photo; the service checks the bytes themselves).
ACCEPTED = "image/*"
