"""The client's own photo: reading it safely, placing the canonical head on it from clicked anchors, the
scalp mask, and drawing a design's dots in the photo's own light.

Modules: :mod:`~smpstudio.photo.image_io` (decode, orientation, refusal before decoding, encode without
metadata), :mod:`~smpstudio.photo.anchors` (the landmarks file), :mod:`~smpstudio.photo.fit` (the head's
pose, scale and shape from the anchors), :mod:`~smpstudio.photo.scalp_mask` (scalp skin against hair, face
and background), :mod:`~smpstudio.photo.draw` (the dots in linear light), :mod:`~smpstudio.photo.overlay`
(wire-frame, anchors, legend, scale bar) and :mod:`~smpstudio.photo.face_guess` (a first guess of the
anchors from OpenCV's bundled detectors, when the ``photo`` extra is installed).
"""
