#!/usr/bin/env bash
# Regenerates Sources/Shared/Model/ONNX/onnx.pb.swift from the committed onnx.proto.
#
# Needs `protoc` (Debian: protobuf-compiler) and `protoc-gen-swift` built from the same
# swift-protobuf release the package resolves, so the generated code matches the runtime:
#   git clone https://github.com/apple/swift-protobuf.git /tmp/swift-protobuf
#   (cd /tmp/swift-protobuf && git checkout 1.39.0 && swift build -c release --product protoc-gen-swift)
# PROTOC_GEN_SWIFT overrides where the plugin is looked for.
set -euo pipefail

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
proto_dir="$repo_root/Sources/Shared/Model/ONNX"
plugin="${PROTOC_GEN_SWIFT:-/tmp/swift-protobuf/.build/release/protoc-gen-swift}"

if ! command -v protoc >/dev/null; then
    echo "protoc not found: apt-get install protobuf-compiler" >&2
    exit 1
fi
if [[ ! -x "$plugin" ]]; then
    echo "protoc-gen-swift not found at $plugin (set PROTOC_GEN_SWIFT or build it, see the header of $0)" >&2
    exit 1
fi

# Internal visibility: the generated types are an implementation detail of ONNXImporter.
protoc --plugin=protoc-gen-swift="$plugin" \
    --proto_path="$proto_dir" \
    --swift_opt=Visibility=Internal \
    --swift_out="$proto_dir" \
    "$proto_dir/onnx.proto"
echo "wrote $proto_dir/onnx.pb.swift"
