"""The live consultation on the client's photo: slider moves and hairline drags through the services.

``consultation-live``: a 3000 x 2250 JPEG of the Norwood-6 client (front, turned a little) rendered by the
project's renderer is stored as a consultation photo in a fresh SQLite store; its anchors are the renderer's
own landmarks. After one untimed preview (the photo decoded and scaled, the design sampled, the mask and the
projection prepared), 50 slider moves through :func:`smpstudio.services.consultation.live_preview` at 1600 px
(density, dot size, shade, day and technique in turn; each a whole service call: the audited read, the
drawing, the JPEG), 20 anchor clicks (:func:`fit_consultation` with one anchor moved by a pixel: the fit,
the wire-frame) and 5 hairline drags (:func:`drag_hairline_point`, then the re-sampled preview). Rows: the p50
and p95 of each against the goals (a slider move under 0.3 s at the 95th percentile, a fit well under 0.1 s,
a drag about 1 s), the goal as the "peer" (a speed-up above 1 meets it).
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._timing import Row

#: The photo. [px]
ROWS, COLS = 2250, 3000
#: Preview width, moves and drags timed. [px], [-]
WIDTH_PX, MOVES, CLICKS, DRAGS = 1600, 50, 20, 5
GOAL_MOVE_S, GOAL_FIT_S, GOAL_DRAG_S = 0.3, 0.1, 1.0


def _photo() -> tuple[bytes, dict[str, Any]]:
    """The rendered photo (JPEG) and its anchors."""
    from PIL import Image
    from scipy.spatial.transform import Rotation

    from smpstudio.design.build import DesignSpec, build_design, design_context
    from smpstudio.design.head import head_preset
    from smpstudio.design.patterns import Pattern
    from smpstudio.render.camera import Camera, view_camera
    from smpstudio.render.landmarks_px import landmarks_px
    from smpstudio.render.preview import render_preview

    spec = DesignSpec(head_preset("male"), Pattern("norwood-6", ()), style="soft", seed=11)
    ctx, doc = design_context(spec), build_design(spec)
    head = ctx.grid.head
    cam = view_camera(head, "front", ROWS)
    r = Rotation.from_euler("xyz", (8.0, -5.0, 6.0), degrees=True).as_matrix()
    cam = Camera(r @ cam.eye_mm, r @ cam.right, r @ cam.up, r @ cam.forward, cam.focal_px, ROWS, ROWS)
    square = render_preview(head, ctx.grid, ctx.maps.hair, doc.dots, cam, look="before")
    photo = np.full((ROWS, COLS, 3), 236, dtype=np.uint8)
    left = (COLS - ROWS) // 2
    photo[:, left : left + ROWS] = square
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "JPEG", quality=92)
    marks = landmarks_px(head, cam, hairline_height_mm=ctx.hairline_height_mm)
    marks.pop("vertex", None)
    return buf.getvalue(), {"view": "front", "points_px": {k: [v[0] + left, v[1]] for k, v in marks.items()}}


def _client(folder: Path) -> tuple[Any, int]:
    """A store with a clinic, its owner acting, and a Norwood-6 client who consented to photographs."""
    from smpstudio.records.store import open_store
    from smpstudio.services import clients, clinics, consent
    from smpstudio.services.context import ServiceContext

    store = open_store(folder / "var", create=True)
    owner = clinics.init_clinic(
        ServiceContext(store=store), clinics.InitClinicRequest.of(name="Bench")
    ).owner_id
    ctx = ServiceContext(store=store, user_id=owner)
    client = clients.add_client(
        ctx,
        clients.AddClientRequest.of(
            name="Bench Client", date_of_birth="1980-01-01", hair_loss_pattern="norwood-6"
        ),
    ).id
    consent.sign_consent(
        ctx, consent.SignConsentRequest.of(client_id=client, signed_name="Bench Client", kind="photography")
    )
    return ctx, client


def _moves() -> list[dict[str, Any]]:
    """50 slider positions: density, dot size, shade, day and technique in turn."""
    out: list[dict[str, Any]] = []
    for i in range(MOVES):
        step = i % 5
        move: dict[str, Any] = {}
        if step == 0:
            move["density_per_cm2"] = 50.0 + 5.0 * (i % 13)
        elif step == 1:
            move["dot_diameter_mm"] = 0.08 + 0.01 * (i % 9)
        elif step == 2:
            move["ink_fraction"] = 0.3 + 0.05 * (i % 11)
        elif step == 3:
            move["day"] = (3.0, 10.0, 30.0, 365.0, 1461.0)[i % 5]
        else:
            move["technique"] = "tattoo" if (i // 5) % 2 else "smp"
        out.append(move)
    return out


def _percentiles(times: list[float]) -> tuple[float, float]:
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def run() -> list[Row]:
    from smpstudio.services import consultation as svc

    image, landmarks = _photo()
    with tempfile.TemporaryDirectory() as tmp:
        ctx, client = _client(Path(tmp))
        try:
            started = svc.start_consultation(
                ctx, svc.StartConsultationRequest.of(client_id=client, image=image, view="front")
            )
            base = {
                "client_id": client,
                "photo_id": started.photo_id,
                "landmarks": landmarks,
                "width_px": WIDTH_PX,
            }
            svc.live_preview(ctx, svc.LivePreviewRequest.of(**base))  # untimed: prepares the scene
            state: dict[str, Any] = {}
            moves: list[float] = []
            for move in _moves():
                state.update(move)
                t = time.perf_counter()
                svc.live_preview(ctx, svc.LivePreviewRequest.of(**base, **state))
                moves.append(time.perf_counter() - t)
            clicks: list[float] = []
            points = landmarks["points_px"]
            for i in range(CLICKS):
                moved = {
                    **points,
                    "glabella": [points["glabella"][0] + (i % 5) - 2, points["glabella"][1] + i],
                }
                click = {"client_id": client, "photo_id": started.photo_id}
                t = time.perf_counter()
                svc.fit_consultation(
                    ctx,
                    svc.FitConsultationRequest.of(**click, landmarks={"view": "front", "points_px": moved}),
                )
                clicks.append(time.perf_counter() - t)
            fit = svc.fit_consultation(
                ctx, svc.FitConsultationRequest.of(**{k: base[k] for k in base if k != "width_px"})
            )
            drags: list[float] = []
            shifts: dict[str, float] = {}
            for i in range(DRAGS):
                name = ("mid_frontal_point", "fronto_temporal_right", "fronto_temporal_left")[i % 3]
                x, y = fit.hairline_points_px[name]
                t = time.perf_counter()
                drag = svc.drag_hairline_point(
                    ctx,
                    svc.DragHairlineRequest.of(
                        **{k: base[k] for k in base if k != "width_px"},
                        hairline_shift_mm=shifts,
                        name=name,
                        x_px=x,
                        y_px=y + 6.0 * (i + 1),
                    ),
                )
                shifts = drag.hairline_shift_mm
                shown = svc.live_preview(
                    ctx, svc.LivePreviewRequest.of(**base, **state, hairline_shift_mm=shifts)
                )
                drags.append(time.perf_counter() - t)
                assert shown.resampled
        finally:
            ctx.db.close()
    params = {
        "photo_px": f"{COLS}x{ROWS}",
        "width_px": WIDTH_PX,
        "moves": MOVES,
        "fits": CLICKS,
        "drags": DRAGS,
    }
    move50, move95 = _percentiles(moves)
    drag50, drag95 = _percentiles(drags)
    fit50, fit95 = _percentiles(clicks)
    return [
        Row("consultation-live: slider move p50", params, move50, "goal 0.3 s", GOAL_MOVE_S),
        Row("consultation-live: slider move p95", params, move95, "goal 0.3 s", GOAL_MOVE_S),
        Row("consultation-live: anchor fit p50", params, fit50, "goal 0.1 s", GOAL_FIT_S),
        Row("consultation-live: anchor fit p95", params, fit95, "goal 0.1 s", GOAL_FIT_S),
        Row("consultation-live: hairline drag p50", params, drag50, "goal 1 s", GOAL_DRAG_S),
        Row("consultation-live: hairline drag p95", params, drag95, "goal 1 s", GOAL_DRAG_S),
    ]
