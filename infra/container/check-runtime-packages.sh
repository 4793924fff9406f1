#!/usr/bin/env bash
# Proves that infra/container/runtime-packages.txt is all the runtime image needs: builds the release
# binaries exactly as the Dockerfile's build stage does, builds a minimal Debian bookworm root
# (debootstrap --variant=minbase, what debian:bookworm-slim is made from) with only that package list,
# copies the binaries in, and runs them there as an unprivileged user: every library resolves, each
# binary's --help, key generation, and a full in-process inference on samples/digits in every mode.
# Not part of `make test`: it downloads about 60 MB of Debian packages and takes several minutes.
set -euo pipefail

usage() {
    cat <<EOF
Usage: infra/container/check-runtime-packages.sh [--root DIR] [--mirror URL] [--reuse-root]

Run as root (debootstrap and chroot need it). Steps:
  1. swift build -c release --static-swift-stdlib (scratch path .build-static), as the Dockerfile does
  2. debootstrap --variant=minbase --include=<runtime-packages.txt> bookworm DIR MIRROR
  3. copy securenets, securenets-worker, securenets-verifier and samples/digits into DIR
  4. in a chroot as uid 10001: ldd of each binary (no 'not found'), each binary's --help, keygen,
     securenets infer (plaintext, --in-process masked, --in-process --privacy blinded), score

  --root DIR     where to build the root (default \$SECURENETS_VAR_DIR/runtime-check/root,
                 SECURENETS_VAR_DIR defaulting to <repo>/var)
  --mirror URL   Debian mirror (default http://deb.debian.org/debian)
  --reuse-root   keep an existing root built from the same package list instead of rebuilding it
  --package-list FILE
                 another package list (default infra/container/runtime-packages.txt), e.g. one with
                 a package left out, to see the check fail

Exit 0 when every step passed; the last lines summarize what ran.
EOF
}

die() { echo "check-runtime-packages: $*" >&2; exit 1; }
say() { echo "check-runtime-packages: $*" >&2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
root=${SECURENETS_VAR_DIR:-$repo/var}/runtime-check/root
mirror=http://deb.debian.org/debian
reuse=false
package_list=$here/runtime-packages.txt
while (($#)); do
    case $1 in
    --root) root=${2:?--root needs a directory}; shift 2 ;;
    --mirror) mirror=${2:?--mirror needs a URL}; shift 2 ;;
    --reuse-root) reuse=true; shift ;;
    --package-list) package_list=$(realpath "${2:?--package-list needs a file}"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
((EUID == 0)) || die "run as root: debootstrap and chroot need it"
root=$(realpath -m "$root")
[[ $root != / ]] || die "--root must not be /"

packages=$(sed 's/#.*//' "$package_list" | xargs)
[[ -n $packages ]] || die "$package_list names no package"
binaries=(securenets securenets-worker securenets-verifier)
# The runtime image's user (infra/container/Dockerfile): numeric, so no passwd entry is needed.
user=10001:10001

# 1. The binaries, built as the Dockerfile's build stage builds them.
say "building release binaries with --static-swift-stdlib (scratch path .build-static)"
(cd "$repo" && swift build -c release --static-swift-stdlib --scratch-path .build-static >&2)
bin=$(cd "$repo" && swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)

# 2. The minimal root, from the package list alone.
stamp="$root/.securenets-runtime-packages"
if $reuse && [[ -f $stamp ]] && cmp -s "$stamp" <(echo "$packages"); then
    say "reusing $root (built from the same package list)"
else
    command -v debootstrap >/dev/null || {
        say "installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >&2 ||
            die "cannot install debootstrap (apt-get update first?)"
    }
    if [[ -e $root ]]; then
        mountpoint -q "$root/proc" && umount "$root/proc"
        rm -rf --one-file-system "$root"
    fi
    mkdir -p "$(dirname "$root")"
    say "debootstrap --variant=minbase --include=${packages// /,} bookworm $root $mirror"
    started=$(date +%s)
    debootstrap --variant=minbase --include="${packages// /,}" bookworm "$root" "$mirror" >&2 ||
        die "debootstrap failed; see $root/debootstrap/debootstrap.log"
    echo "$packages" >"$stamp"
    say "root built in $(($(date +%s) - started)) s"
fi

# 3. Binaries and the sample model in; outputs to a directory the unprivileged user owns.
# Stripped, as the Dockerfile installs them.
install -s -m 0755 "${binaries[@]/#/$bin/}" "$root/usr/local/bin/"
rm -rf "$root/samples" "$root/check"
mkdir -p "$root/samples" "$root/check/home"
cp -r "$repo/samples/digits" "$root/samples/"
chown -R "$user" "$root/check"
mounted_proc=false
if mount -t proc proc "$root/proc" 2>/dev/null; then mounted_proc=true; fi
cleanup() { if $mounted_proc; then umount "$root/proc" || true; fi; }
trap cleanup EXIT

# A clean environment: only what the image sets (ENV in the Dockerfile).
chroot_bin=$(command -v chroot)
in_root() {
    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/check/home SECURENETS_HOME=/check/home LANG=C.UTF-8 \
        "$chroot_bin" --userspec="$user" "$root" "$@"
}

passed=()
step() {
    local name=$1
    shift
    say "run: $*"
    "$@" || die "FAILED: $name"
    passed+=("$name")
}

# 4. The checks.
for binary in "${binaries[@]}"; do
    missing=$(chroot "$root" ldd "/usr/local/bin/$binary" | grep 'not found' || true)
    [[ -z $missing ]] || die "FAILED: $binary needs libraries the package list lacks:"$'\n'"$missing"
    passed+=("ldd $binary: every library found")
done
step "securenets --help" in_root securenets --help >/dev/null
step "securenets infer --help" in_root securenets infer --help >/dev/null
step "securenets-worker --help" in_root securenets-worker --help >/dev/null
step "securenets-verifier --help" in_root securenets-verifier --help >/dev/null
step "securenets-verifier serve --help" in_root securenets-verifier serve --help >/dev/null
step "securenets-verifier keygen" in_root securenets-verifier keygen --output /check/home/verifier.key >/dev/null
step "securenets keygen" in_root securenets keygen --output /check/home/producer.key >/dev/null

model=/samples/digits/model.onnx
input=/samples/digits/inputs.npy
step "securenets infer (plaintext)" in_root securenets infer --model $model --input $input \
    --output /check/plain.npy --labels /check/plain-labels.npy
step "securenets infer --in-process (masked)" in_root securenets infer --in-process --model $model \
    --input $input --output /check/masked.npy --labels /check/masked-labels.npy
step "securenets infer --in-process --privacy blinded" in_root securenets infer --in-process \
    --privacy blinded --model $model --input $input --output /check/blinded.npy --labels /check/blinded-labels.npy
for mode in plain masked blinded; do
    accuracy=$(in_root securenets score --predicted /check/$mode-labels.npy --truth /samples/digits/labels.npy) ||
        die "FAILED: securenets score on the $mode labels"
    passed+=("score $mode vs true labels: $(echo "$accuracy" | tr '\n' ' ')")
done
agreement=$(in_root securenets score --predicted /check/masked-labels.npy --truth /check/plain-labels.npy) ||
    die "FAILED: securenets score masked vs plaintext"
passed+=("score masked vs plaintext: $(echo "$agreement" | tr '\n' ' ')")

# The same plaintext inference outside the root, with the same binary and the same clean environment
# (OpenBLAS reads OPENBLAS_* variables that pick its kernel): byte-identical output shows the minimal root
# changes nothing (plaintext inference is deterministic; the secure modes draw fresh keys).
host_out=$(mktemp -d)
env -i PATH=/usr/bin:/bin HOME="$host_out" LANG=C.UTF-8 "$bin/securenets" infer --model "$repo/samples/digits/model.onnx" --input "$repo/samples/digits/inputs.npy" \
    --output "$host_out/plain.npy" >/dev/null
cmp -s "$host_out/plain.npy" "$root/check/plain.npy" || die "FAILED: plaintext output differs from the host's"
rm -rf "$host_out"
passed+=("plaintext output byte-identical to the same binary's on the build host")

echo "runtime package check PASSED on $(date -u +%Y-%m-%dT%H:%MZ)"
echo "root: $root (debootstrap --variant=minbase bookworm, $(du -sh --exclude=proc "$root" | cut -f1))"
echo "packages: $packages"
echo "/proc mounted in the root: $mounted_proc"
printf '  ok  %s\n' "${passed[@]}"
