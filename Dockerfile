# usdcop_exporter and pipeline-sim for docker-compose.yml, on Debian 12.
#   docker build -t usdcop_exporter:local .      (docker-compose builds it as the exporter service)
# Stage 1 builds with the project's own script (scripts/install-deps: every Debian package the
# project builds with) and CMake, building only the two programs the image runs (not the tests,
# not the benchmarks). Stage 2 holds those binaries and the Debian packages of the shared
# libraries they link (found with ldd, mapped to packages with dpkg -S), tzdata (the trading
# calendar reads /usr/share/zoneinfo) and CA certificates (https probes), and runs as an
# unprivileged user. Validated offline in CI (deploy/tests), not built there: no Docker engine.

FROM debian:12 AS build
WORKDIR /src
# install-deps first, alone: its layer is cached until the script itself changes.
COPY scripts/install-deps scripts/install-deps
RUN bash scripts/install-deps && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build /build --target usdcop_exporter pipeline-sim -j"$(nproc)" \
 && mkdir -p /out \
 && strip -o /out/usdcop_exporter /build/exporter/usdcop_exporter \
 && strip -o /out/pipeline-sim /build/tools/pipeline-sim/pipeline-sim
# The runtime packages: the owner of each shared library the binaries load (dpkg knows a library
# under /usr/lib or /lib, whichever its package names, so both spellings are asked).
RUN for lib in $(ldd /out/usdcop_exporter /out/pipeline-sim | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u); do \
      real=$(readlink -f "$lib"); \
      dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "${real#/usr}" 2>/dev/null \
        || dpkg -S "/usr$real" 2>/dev/null || { echo "no package owns $lib" >&2; exit 1; }; \
    done | cut -d: -f1 | sort -u >/out/runtime-packages \
 && cat /out/runtime-packages

FROM debian:12-slim
COPY --from=build /out/runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(cat /tmp/runtime-packages) tzdata ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages
# One unprivileged user for both programs; the directories compose mounts volumes on belong to
# it, so that a new named volume starts with that owner.
RUN groupadd --system --gid 10001 usdcop \
 && useradd --system --uid 10001 --gid usdcop --home-dir /var/lib/usdcop_exporter --no-create-home \
      --shell /usr/sbin/nologin usdcop \
 && mkdir -p /var/lib/usdcop_exporter /data /etc/usdcop_exporter \
 && chown usdcop:usdcop /var/lib/usdcop_exporter /data
COPY --from=build /out/usdcop_exporter /out/pipeline-sim /usr/local/bin/
USER 10001:10001
WORKDIR /var/lib/usdcop_exporter
EXPOSE 9812 9813
ENTRYPOINT ["usdcop_exporter"]
CMD ["--config.file=/etc/usdcop_exporter/config.yml", "--web.listen-address=:9812"]
