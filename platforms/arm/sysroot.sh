#!/usr/bin/env bash
# Brings Debian's arm64 or armhf builds of the libraries Kite's runtime, tests
# and benchmarks link (XNNPACK, pthreadpool, cpuinfo, GoogleTest, Google
# Benchmark, FlatBuffers' headers) into a folder, for cross builds:
#   platforms/arm/sysroot.sh arm64|armhf DIR
# apt-get download with a private apt state (own package lists, empty dpkg
# status) and dpkg -x: the host's packages are untouched. (Installing the
# :arm64 -dev packages on the host would remove the amd64 ones.) Idempotent:
# a finished DIR is left as it is.
set -euo pipefail
arch=${1:-}
out=${2:-}
case "$arch" in arm64|armhf) ;; *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;; esac
[[ -n "$out" ]] || { echo "sysroot.sh: missing DIR" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
packages=(libxnnpack0 libxnnpack-dev libpthreadpool0 libpthreadpool-dev libcpuinfo0 libgtest-dev
          libbenchmark1debian libbenchmark-dev libflatbuffers2 libflatbuffers-dev)
stamp="$out/.complete-${packages[*]// /-}"
[[ -f "$stamp" ]] && exit 0

mkdir -p "$out/apt/lists/partial" "$out/apt/cache/archives/partial" "$out/debs" "$out/root"
: > "$out/apt/status"
apt_options=(-o "APT::Architecture=$arch" -o "APT::Architectures=$arch" -o "Dir::State=$out/apt"
             -o "Dir::State::Lists=$out/apt/lists" -o "Dir::State::status=$out/apt/status"
             -o "Dir::Cache=$out/apt/cache" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
echo "sysroot: package lists for $arch"
# A mirror may be mid-sync for one suite (seen: the security suite's armhf
# index): retry, then go on with the lists that arrived; the download below
# fails clearly if a package is really missing.
for attempt in 1 2 3; do
  if apt-get "${apt_options[@]}" update -qq; then break; fi
  echo "sysroot: package lists incomplete (attempt $attempt of 3)" >&2
  if [[ $attempt -lt 3 ]]; then sleep 5; fi
done
echo "sysroot: downloading ${packages[*]} ($arch)"
(cd "$out/debs" && apt-get "${apt_options[@]}" download "${packages[@]}" >/dev/null)
for deb in "$out"/debs/*.deb; do dpkg -x "$deb" "$out/root"; done
touch "$stamp"
echo "sysroot: $out/root"
