"""Faces in a photograph with BlazeFace (front, 128x128) converted to .kite.
usage: python3 detect_faces.py MODEL.kite PHOTO"""
import sys

import numpy as np
from PIL import Image

import kite

photo = Image.open(sys.argv[2]).convert("RGB")
x = np.asarray(photo.resize((128, 128), Image.BILINEAR), np.float32)[None] / 127.5 - 1  # NHWC in [-1, 1]
outputs = list(kite.Interpreter(sys.argv[1]).run(x).values())  # logits, then boxes, of 16x16 and 8x8 cells
faces = []  # (score, corners x0 y0 x1 y1 in [0, 1])
for logits, boxes, cells in zip(outputs[:2], outputs[2:], (16, 8)):
    anchors = logits.shape[1] // cells**2
    centres = (np.stack(np.meshgrid(np.arange(cells), np.arange(cells)), -1).repeat(anchors, 1).reshape(-1, 2) + 0.5) / cells
    for i in np.flatnonzero(logits[0, :, 0] > 0):  # score > 0.5; a box is offset and size in input pixels
        centre, size = centres[i] + boxes[0, i, :2] / 128, boxes[0, i, 2:4] / 128
        faces.append((1 / (1 + np.exp(-logits[0, i, 0])), *(centre - size / 2), *(centre + size / 2)))


def iou(a, b):
    inner = max(0, min(a[3], b[3]) - max(a[1], b[1])) * max(0, min(a[4], b[4]) - max(a[2], b[2]))
    return inner / ((a[3] - a[1]) * (a[4] - a[2]) + (b[3] - b[1]) * (b[4] - b[2]) - inner)


kept = []  # best first, overlaps above IoU 0.3 removed
for face in sorted(faces, reverse=True):
    if all(iou(face, k) <= 0.3 for k in kept):
        kept.append(face)
for score, x0, y0, x1, y1 in kept:
    print(f"face {score:.2f}: x {x0 * photo.width:.0f}-{x1 * photo.width:.0f}, y {y0 * photo.height:.0f}-{y1 * photo.height:.0f}")
