#!/usr/bin/env python3
"""Times onnxruntime on a SecureNets benchmark network: the comparison column of
`securenets-bench compute`. Python is a measuring tool here, never part of SecureNets itself.

    onnxruntime_bench.py MODEL_DIR [--threads N]

MODEL_DIR/model.json lists the layers, each with weights (inputs x outputs, the row convention
SecureNets uses, so Gemm runs with transB=0), bias and activation ("relu" or "identity"), all as
float32 .npy files next to it. The script builds the same network as ONNX Gemm/Relu nodes with
onnx.helper and opens one InferenceSession on the CPU provider.

It then speaks JSON lines, so that one session (and one model build) serves every batch size:
stdout first carries {"ready": true, ...} or {"error": "..."}; then, per request on stdin,
  {"op": "load", "name": N, "input": X.npy, "expected": Y.npy}
      runs the batch once and answers {"max_abs_diff": d, "max_abs_expected": m}
  {"op": "time", "name": N, "warmup": W, "repeats": R}
      answers {"seconds": [...]}: R timings of InferenceSession.run after W untimed runs,
      each measured with time.perf_counter (monotonic).
End of input ends the script.
"""
import argparse
import json
import os
import sys
import time


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def build_session(model_dir, threads):
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    with open(os.path.join(model_dir, "model.json")) as f:
        spec = json.load(f)
    nodes, initializers = [], []
    current, width_in, width_out = "x", None, None
    for index, layer in enumerate(spec["layers"]):
        weights = np.load(os.path.join(model_dir, layer["weights"]))
        bias = np.load(os.path.join(model_dir, layer["bias"]))
        width_in = width_in or weights.shape[0]
        width_out = weights.shape[1]
        initializers += [numpy_helper.from_array(weights, f"w{index}"),
                         numpy_helper.from_array(bias, f"b{index}")]
        nodes.append(helper.make_node("Gemm", [current, f"w{index}", f"b{index}"], [f"z{index}"]))
        current = f"z{index}"
        if layer["activation"] == "relu":
            nodes.append(helper.make_node("Relu", [current], [f"a{index}"]))
            current = f"a{index}"
        elif layer["activation"] != "identity":
            raise ValueError(f"unsupported activation {layer['activation']}")
    graph = helper.make_graph(
        nodes, "securenets_bench",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", width_in])],
        [helper.make_tensor_value_info(current, TensorProto.FLOAT, ["batch", width_out])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.inter_op_num_threads = 1
    if threads > 0:
        options.intra_op_num_threads = threads
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session, current, {"onnxruntime": ort.__version__, "onnx": onnx.__version__,
                              "numpy": np.__version__}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: onnxruntime's default)")
    args = parser.parse_args()
    try:
        import numpy as np
        session, output, versions = build_session(args.model_dir, args.threads)
    except ImportError as error:
        reply({"error": f"missing Python package: {error.name}"})
        return 2
    except Exception as error:  # a comparison tool: report why, let the benchmark go on without it
        reply({"error": f"{type(error).__name__}: {error}"})
        return 2
    reply({"ready": True, **versions})

    batches = {}
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "load":
            batch = np.load(request["input"])
            batches[request["name"]] = batch
            result = session.run([output], {"x": batch})[0]
            expected = np.load(request["expected"])
            reply({"max_abs_diff": float(np.max(np.abs(result - expected))),
                   "max_abs_expected": float(np.max(np.abs(expected)))})
        elif request["op"] == "time":
            feed = {"x": batches[request["name"]]}
            for _ in range(request.get("warmup", 1)):
                session.run([output], feed)
            seconds = []
            for _ in range(request["repeats"]):
                start = time.perf_counter()
                session.run([output], feed)
                seconds.append(time.perf_counter() - start)
            reply({"seconds": seconds})
        else:
            reply({"error": f"unknown op {request['op']}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
