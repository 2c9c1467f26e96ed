# The image of docker-compose.yml: fleetcast's Debian packages, built from these
# sources, installed into a clean debian:12 with their runtime dependencies and
# mosquitto (what a site installs; no compiler in the image that runs).
# The first stage compiles (~10 min on 2 cores). scripts/compose-podman
# --packages DIR builds only the last stage, its `COPY --from=packages` taking
# the .deb files of a build made outside instead (keep that line as it is).
FROM debian:12 AS packages
COPY scripts/bootstrap /src/scripts/bootstrap
RUN /src/scripts/bootstrap --runtime && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /src/build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
 && cmake --build /src/build -j"$(nproc)" --target fleetcast fleetcast-manager fleetcast-gateway fleetcast-device \
 && cd /src/build && cpack -G DEB -B /debs >/dev/null && rm -rf /debs/_CPack_Packages

FROM debian:12
COPY --from=packages /debs /debs
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /debs/*.deb mosquitto >/dev/null \
 && rm -rf /var/lib/apt/lists/* /debs
# docker-compose.yml's services run the repository's broker configs and scripts/site-broker.
COPY broker-config /src/broker-config
COPY scripts /src/scripts
WORKDIR /src
