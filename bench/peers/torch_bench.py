"""The benchmark's workloads in PyTorch (CPU, float32), for `npm run bench:peers`.

Reads the workload specs and the timing budget as JSON on stdin (see examples/src/bench/workloads.ts)
and prints one JSON result per line: {"workload", "ms"}. Usage: python3 torch_bench.py --threads N
"""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# torchvision's builders for the 'arch' workloads (ResNet-18, MobileNetV2), by the spec's name.
ARCHS = {"resnet18": "resnet18", "mobilenetV2": "mobilenet_v2"}


def build_model(layers):
    mods = []
    for l in layers:
        t = l["type"]
        if t == "conv":
            mods.append(nn.Conv2d(l["in"], l["out"], l["k"], padding=l["pad"]))
        elif t == "relu":
            mods.append(nn.ReLU())
        elif t == "maxpool":
            mods.append(nn.MaxPool2d(l["k"]))
        elif t == "flatten":
            mods.append(nn.Flatten())
        elif t == "linear":
            mods.append(nn.Linear(l["in"], l["out"]))
        else:
            raise ValueError(f"unknown layer {t}")
    return nn.Sequential(*mods)


def step_of(spec):
    """One iteration of `spec` on seeded random data."""
    torch.manual_seed(0)
    if spec["kind"] == "conv":
        x = torch.randn(spec["x"], requires_grad=spec["backward"])
        w = torch.randn(spec["w"], requires_grad=spec["backward"])
        pad = spec["pad"]
        if not spec["backward"]:
            def fwd():
                with torch.no_grad():
                    F.conv2d(x, w, padding=pad)
            return fwd

        def fwd_bwd():
            x.grad = w.grad = None
            F.conv2d(x, w, padding=pad).sum().backward()
        return fwd_bwd
    if spec["kind"] == "arch":
        import torchvision  # only the arch workloads need it
        model = getattr(torchvision.models, ARCHS[spec["arch"]])(num_classes=spec["classes"])
    else:
        model = build_model(spec["layers"])
    x = torch.randn(spec["input"])
    y = torch.randint(0, spec["classes"], (spec["input"][0],))
    opt = {"adam": lambda: torch.optim.Adam(model.parameters(), lr=1e-3),
           "sgd": lambda: torch.optim.SGD(model.parameters(), lr=0.01),
           "sgd-momentum": lambda: torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
           "none": lambda: None}[spec["optimizer"]]()

    def train():
        model.zero_grad()
        F.cross_entropy(model(x), y).backward()
        if opt is not None:
            opt.step()
    return train


def time_ms(step, budget):
    """Median ms per call, with the budget rules of examples/src/bench/measure.ts."""
    t = time.perf_counter()
    step()
    first = time.perf_counter() - t
    if first > budget["slowSeconds"]:
        t = time.perf_counter()
        step()
        return (time.perf_counter() - t) * 1000
    for _ in range(budget["warmup"] - 1):
        step()
    times = []
    t0 = time.perf_counter()
    while True:
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1000)
        if len(times) >= budget["maxReps"]:
            break
        if len(times) >= budget["minReps"] and time.perf_counter() - t0 >= budget["seconds"]:
            break
    times.sort()
    mid = len(times) // 2
    return times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = json.load(sys.stdin)
    for spec in data["specs"]:
        ms = time_ms(step_of(spec), data["budget"])
        print(json.dumps({"workload": spec["id"], "ms": ms}), flush=True)


if __name__ == "__main__":
    main()
