"""A first guess of a photo's anchors from the face, with OpenCV's bundled Haar cascades (``photo`` extra;
Viola & Jones 2001 [viola2001] in docs/references.md).

The cascades ship inside the OpenCV wheel (``cv2.data``; OpenCV 5 dropped them, hence the pin below 5) and
nothing is downloaded. The largest frontal face is taken, then the two eyes in its upper half: the eye on the
image's left is the client's right. The lateral canthi are the outer edges of the eye boxes at their centre
height; the glabella lies on the perpendicular through the middle of the canthi, above the eye line by the
canonical head's canthus drop over its biocular breadth (:mod:`smpstudio.design.landmarks`, [farkas2005]).
Without eyes the face box's usual proportions place them, with a lower confidence. The suggested scale is a
ruler across the canthi at the adult biocular breadth.

Confidences are 0-1: the detector's level weight ``w`` as ``w / (w + 2)``, halved where a point comes from
the face box's proportions alone. Scalp close-ups seldom show a face: then no guess is made, and the
practitioner clicks the anchors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from smpstudio.design.head import HEAD_PRESETS
from smpstudio.design.landmarks import BIOCULAR_TO_HEAD_BREADTH, CANTHUS_DROP_TO_EAR_HEIGHT

__all__ = ["GUESS_VIEWS", "FaceGuess", "guess_from_face"]

#: Views whose photos can show a frontal face.
GUESS_VIEWS = ("front", "three-quarter")
#: Long side of the copy the detectors run on. [px]
DETECT_SIDE_PX = 800
_LENGTH, _BREADTH, _EAR_HEIGHT = HEAD_PRESETS["male"]
#: Adult biocular breadth (ex-ex) of the canonical head. [mm] ([farkas2005]: about 91 mm in men)
BIOCULAR_MM = BIOCULAR_TO_HEAD_BREADTH * _BREADTH
#: Glabella above the eye line over the biocular breadth (canonical head, [M]). [-]
GLABELLA_RISE = CANTHUS_DROP_TO_EAR_HEIGHT * _EAR_HEIGHT / BIOCULAR_MM
#: Where a Haar frontal face box puts the eye line and the outer canthi, as shares of its height and
#: width (measured on the cascade's training crops, [M]).
BOX_EYE_HEIGHT, BOX_CANTHUS_INSET = 0.38, 0.17


@dataclass(frozen=True)
class FaceGuess:
    """Suggested anchors ``{name: (x, y)}`` [px], their confidences (0-1) and the ruler across the canthi."""

    points_px: dict[str, tuple[float, float]]
    confidence: dict[str, float]
    ruler_mm: float
    method: str
    notes: list[str] = field(default_factory=list)


def _confidence(weight: float) -> float:
    return float(max(weight, 0.0) / (max(weight, 0.0) + 2.0))


def guess_from_face(srgb8: NDArray[np.uint8]) -> FaceGuess | None:
    """The anchors a frontal face gives (see the module docstring), or ``None`` when no face is found.

    Raises
    ------
    ImportError
        When OpenCV is not installed.
    """
    import cv2

    rows, cols = srgb8.shape[:2]
    factor = max(max(rows, cols) / DETECT_SIDE_PX, 1.0)
    small = srgb8
    if factor > 1.0:
        size = (max(round(cols / factor), 1), max(round(rows / factor), 1))
        small = np.asarray(Image.fromarray(srgb8, "RGB").resize(size, Image.Resampling.BOX))
        factor = cols / size[0]
    grey = cv2.equalizeHist(cv2.cvtColor(np.ascontiguousarray(small), cv2.COLOR_RGB2GRAY))
    folder = str(cv2.data.haarcascades)  # type: ignore[attr-defined]
    faces_xml, eyes_xml = folder + "haarcascade_frontalface_default.xml", folder + "haarcascade_eye.xml"
    face_cascade, eye_cascade = cv2.CascadeClassifier(faces_xml), cv2.CascadeClassifier(eyes_xml)
    side = min(grey.shape)
    faces, _, weights = face_cascade.detectMultiScale3(
        grey, scaleFactor=1.1, minNeighbors=4, minSize=(side // 8, side // 8), outputRejectLevels=True
    )
    if len(faces) == 0:
        return None
    k = int(np.argmax([w * h for (_, _, w, h) in faces]))
    fx, fy, fw, fh = (float(v) for v in faces[k])
    face_conf = _confidence(float(np.ravel(weights)[k]))
    top = grey[int(fy) : int(fy + 0.6 * fh), int(fx) : int(fx + fw)]
    eyes, _, eye_weights = eye_cascade.detectMultiScale3(
        top, scaleFactor=1.1, minNeighbors=3, minSize=(max(int(fw / 10), 4),) * 2, outputRejectLevels=True
    )
    notes: list[str] = []
    pair = _eye_pair(np.asarray(eyes, dtype=np.int32).reshape(-1, 4), np.ravel(eye_weights), fw)
    if pair is not None:
        (r_box, r_w), (l_box, l_w) = pair
        right = (fx + r_box[0], fy + r_box[1] + 0.5 * r_box[3])  # outer edge of the image-left eye
        left = (fx + l_box[0] + l_box[2], fy + l_box[1] + 0.5 * l_box[3])
        conf_r, conf_l = face_conf * _confidence(r_w) * 2.0, face_conf * _confidence(l_w) * 2.0
        method = "opencv-haar face and eyes"
    else:
        eye_y = fy + BOX_EYE_HEIGHT * fh
        right, left = (fx + BOX_CANTHUS_INSET * fw, eye_y), (fx + (1 - BOX_CANTHUS_INSET) * fw, eye_y)
        conf_r = conf_l = 0.5 * face_conf
        method = "opencv-haar face"
        notes.append("no eyes found: the canthi are placed from the face's proportions")
    r, lft = np.array(right), np.array(left)
    mid, span = 0.5 * (r + lft), lft - r
    up = np.array([span[1], -span[0]])  # perpendicular, towards the top of the head
    glabella = mid + GLABELLA_RISE * up
    points = {
        "lateral_canthus_right": (float(r[0] * factor), float(r[1] * factor)),
        "lateral_canthus_left": (float(lft[0] * factor), float(lft[1] * factor)),
        "glabella": (float(glabella[0] * factor), float(glabella[1] * factor)),
    }
    confidence = {
        "lateral_canthus_right": round(min(conf_r, 1.0), 3),
        "lateral_canthus_left": round(min(conf_l, 1.0), 3),
        "glabella": round(min(0.8 * min(conf_r, conf_l), 1.0), 3),
    }
    return FaceGuess(points, confidence, round(BIOCULAR_MM, 1), method, notes)


def _eye_pair(
    eyes: NDArray[np.int32], weights: NDArray[np.float64], face_w: float
) -> tuple[tuple[NDArray[np.int32], float], tuple[NDArray[np.int32], float]] | None:
    """The best two eye boxes side by side (image-left first), or ``None``."""
    if len(eyes) < 2:
        return None
    best, best_score = None, -np.inf
    for i in range(len(eyes)):
        for j in range(i + 1, len(eyes)):
            a, b = eyes[i], eyes[j]
            if a[0] > b[0]:
                a, b, wa, wb = b, a, weights[j], weights[i]
            else:
                wa, wb = weights[i], weights[j]
            gap = (b[0] + 0.5 * b[2]) - (a[0] + 0.5 * a[2])
            level = abs((a[1] + 0.5 * a[3]) - (b[1] + 0.5 * b[3]))
            if not 0.25 * face_w < gap < 0.75 * face_w or level > 0.25 * face_w:
                continue
            score = float(wa + wb)
            if score > best_score:
                best, best_score = ((a, float(wa)), (b, float(wb))), score
    return best
