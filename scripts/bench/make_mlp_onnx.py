#!/usr/bin/env python3
"""Writes the pipeline benchmark's inputs: a random ReLU MLP as ONNX and random float32 rows as .npy.

    make_mlp_onnx.py --shape 784-1024-1024-1024-10 --rows 8192 --model mlp.onnx --input x.npy

The model is what PyTorch exports for nn.Linear: Gemm with transB=1 (weights stored out x in), Relu
between layers, none after the last, then Softmax. Weights ~ N(0, 1/fan_in), biases ~ N(0, 0.01²),
inputs ~ N(0, 1), all from --seed. A benchmark helper only; SecureNets itself never runs Python.
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", default="784-1024-1024-1024-10")
    parser.add_argument("--rows", type=int, default=8192)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--model", required=True)
    parser.add_argument("--input", required=True)
    args = parser.parse_args()

    widths = [int(w) for w in args.shape.split("-")]
    rng = np.random.default_rng(args.seed)
    nodes, initializers = [], []
    previous = "input"
    for index, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        weight = rng.normal(0, (1 / fan_in) ** 0.5, size=(fan_out, fan_in)).astype(np.float32)
        bias = rng.normal(0, 0.01, size=(fan_out,)).astype(np.float32)
        initializers += [numpy_helper.from_array(weight, f"W{index}"), numpy_helper.from_array(bias, f"B{index}")]
        gemm = f"gemm{index}"
        nodes.append(helper.make_node("Gemm", [previous, f"W{index}", f"B{index}"], [gemm], transB=1))
        if index < len(widths) - 2:
            nodes.append(helper.make_node("Relu", [gemm], [f"relu{index}"]))
            previous = f"relu{index}"
        else:
            previous = gemm
    nodes.append(helper.make_node("Softmax", [previous], ["output"], axis=1))
    graph = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", widths[0]])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", widths[-1]])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="securenets-bench")
    onnx.checker.check_model(model)
    onnx.save(model, args.model)
    np.save(args.input, rng.normal(0, 1, size=(args.rows, widths[0])).astype(np.float32))


if __name__ == "__main__":
    main()
