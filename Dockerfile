# tokstack in emulator mode: `make image` builds it (wheels from the host, base by debootstrap).
#   docker run -p 127.0.0.1:8000:8000 -e TOKSTACK_EMULATOR_TOKEN=change-me tokstack:latest
ARG BASE_IMAGE=tokstack-base:bookworm

FROM ${BASE_IMAGE} AS build
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 python3-venv binutils \
 && rm -rf /var/lib/apt/lists/*
# build/wheels: tokstack and every runtime dependency, built on the host (no PyPI here)
COPY build/wheels /wheels
RUN python3 -m venv /opt/tokstack \
 && /opt/tokstack/bin/pip install --quiet --no-index --find-links /wheels --no-compile tokstack \
 && /opt/tokstack/bin/pip uninstall --quiet -y setuptools pip \
 && find /opt/tokstack -depth -type d \( -name tests -o -name __pycache__ \) -exec rm -rf {} + \
 && find /opt/tokstack \( -name '*.pyi' -o -name '*.pyx' -o -name '*.pxd' -o -name '*.c' -o -name '*.h' \) -delete \
 && find /opt/tokstack -name '*.so*' -type f -exec strip --strip-unneeded {} + \
 && python3 -m compileall -q -j 0 /opt/tokstack/lib

FROM ${BASE_IMAGE}
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* \
    /usr/lib/python3.11/idlelib /usr/lib/python3.11/pydoc_data /usr/lib/python3.11/lib2to3 \
 && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home tokstack \
 && mkdir /data && chown tokstack:tokstack /data
COPY --from=build /opt/tokstack /opt/tokstack
ENV PATH=/opt/tokstack/bin:$PATH \
    TOKSTACK_DATA_DIR=/data \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER tokstack
WORKDIR /data
VOLUME /data
EXPOSE 8000
# bash's /dev/tcp, not a Python process (about 1 ms in here). Twice a second so it is healthy
# within 3 s of start; Docker's own exec costs ~13% of a core at this pace (docs/container.md):
# long-running containers can slow it with `docker run --health-interval=30s`
HEALTHCHECK --interval=500ms --timeout=2s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${TOKSTACK_PORT:-8000} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
LABEL org.opencontainers.image.title="tokstack" \
      org.opencontainers.image.description="A self-hosted TikTok Open API v2, in emulator mode" \
      org.opencontainers.image.licenses="Apache-2.0"
CMD ["tokstack", "serve", "--host", "0.0.0.0", "--demo"]
