"""Checks an unpacked nnU-Net v2 or MSD export with nibabel (issue 25); prints a JSON summary.

Usage: check_training_layout.py <nnunet|msd> <folder> <forbidden value>...
Fails (exit 1, naming the problem) when an image and its label differ in shape or affine, a label
value is not one dataset.json lists, a file name breaks the layout's rules, or a file name or
NIfTI header (descrip, aux_file, intent_name) holds one of the forbidden source values.
"""
import json
import os
import re
import sys

import nibabel as nib
import numpy as np

layout, root, forbidden = sys.argv[1], sys.argv[2], [f.lower() for f in sys.argv[3:]]
problems = []
dataset = json.load(open(os.path.join(root, "dataset.json")))
if layout == "nnunet":
    listed = {int(v) for v in dataset["labels"].values()}
    ok_label_names = dataset["labels"]["background"] == 0
else:
    listed = {int(k) for k in dataset["labels"].keys()}
    ok_label_names = dataset["labels"]["0"] == "background"
if not ok_label_names:
    problems.append("background is not 0")
case_re = r"[A-Za-z0-9-]+_[A-Za-z0-9-]+"

for folder, _, files in os.walk(root):
    for name in files:
        rel = os.path.relpath(os.path.join(folder, name), root)
        if any(f in rel.lower() for f in forbidden):
            problems.append(f"identifying value in file name {rel}")
        if name.endswith(".nii.gz"):
            header = nib.load(os.path.join(folder, name)).header
            for field in ("descrip", "aux_file", "intent_name"):
                value = bytes(header[field]).decode("latin-1").strip("\x00").lower()
                if value and any(f in value for f in forbidden):
                    problems.append(f"identifying value in {field} of {rel}")


def same_geometry(a, b, what):
    if a.shape != b.shape:
        problems.append(f"shape differs: {what}")
    if not np.allclose(a.affine, b.affine, atol=1e-4):
        problems.append(f"affine differs: {what}")
    for form in ("get_sform", "get_qform"):
        if not np.allclose(getattr(a.header, form)(), getattr(b.header, form)(), atol=1e-4):
            problems.append(f"{form[4:]} differs: {what}")


pairs, values, cases = 0, set(), {}
for images, labels in (("imagesTr", "labelsTr"), ("imagesTs", "labelsTs")):
    for name in sorted(os.listdir(os.path.join(root, images))):
        pattern = rf"^({case_re})_(\d{{4}})\.nii\.gz$" if layout == "nnunet" else rf"^({case_re})\.nii\.gz$"
        m = re.match(pattern, name)
        if not m:
            problems.append(f"file name breaks the {layout} rules: {images}/{name}")
            continue
        case = m.group(1)
        if layout == "nnunet" and m.group(2) not in {f"{int(k):04d}" for k in dataset["channel_names"]}:
            problems.append(f"channel not in channel_names: {name}")
        image = nib.load(os.path.join(root, images, name))
        label_path = os.path.join(root, labels, f"{case}.nii.gz")
        if not os.path.exists(label_path):
            problems.append(f"no label for {images}/{name}")
            continue
        label = nib.load(label_path)
        same_geometry(image, label, case)
        if label.get_data_dtype() != np.uint8:
            problems.append(f"label is not uint8: {case}")
        if dataset["channel_names" if layout == "nnunet" else "modality"]["0"] == "CT" and image.get_data_dtype() != np.int16:
            problems.append(f"CT image is not int16: {case}")
        found = {int(v) for v in np.unique(np.asarray(label.dataobj))}
        if not found <= listed:
            problems.append(f"label values {sorted(found - listed)} not in dataset.json: {case}")
        values |= found
        pairs += 1
        pixels, labelled = np.asarray(image.dataobj), np.asarray(label.dataobj)
        cases[case] = {
            "split": images[-2:],
            "shape": list(image.shape),
            "image_min": int(pixels.min()),
            # The image under label 1, so a caller can check that image and label voxels line up.
            "label1_mean": float(pixels[labelled == 1].mean()) if (labelled == 1).any() else None,
        }
    for name in sorted(os.listdir(os.path.join(root, labels))):
        case = name[: -len(".nii.gz")]
        if case not in cases:
            problems.append(f"label without image: {labels}/{name}")

# The sibling folders: every reader, consensus and soft label on its case's image grid.
siblings = {"readers": 0, "consensus": 0, "soft": 0}
for folder, rule in (("readers", rf"^({case_re})_reader\d+\.nii\.gz$"), ("consensus", rf"^({case_re})\.nii\.gz$"), ("soft", rf"^({case_re})_[a-z0-9_]+_(fraction|staple)\.nii\.gz$")):
    path = os.path.join(root, folder)
    for name in sorted(os.listdir(path)) if os.path.isdir(path) else []:
        m = re.match(rule, name)
        if not m or m.group(1) not in cases:
            problems.append(f"sibling file name breaks the rules: {folder}/{name}")
            continue
        case = m.group(1)
        image_dir = "imagesTr" if cases[case]["split"] == "Tr" else "imagesTs"
        image_name = f"{case}_0000.nii.gz" if layout == "nnunet" else f"{case}.nii.gz"
        sibling = nib.load(os.path.join(path, name))
        same_geometry(nib.load(os.path.join(root, image_dir, image_name)), sibling, f"{folder}/{name}")
        data = np.asarray(sibling.dataobj)
        if folder == "soft":
            if sibling.get_data_dtype() != np.float32 or data.min() < 0 or data.max() > 1:
                problems.append(f"soft label is not a float32 probability: {name}")
        elif not {int(v) for v in np.unique(data)} <= listed:
            problems.append(f"label values not in dataset.json: {folder}/{name}")
        siblings[folder] += 1

json.dump({"problems": problems, "pairs": pairs, "values": sorted(values), "cases": cases, "siblings": siblings}, sys.stdout)
sys.exit(1 if problems else 0)
