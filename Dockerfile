# One image with the three fleetcast programs, for docker-compose.yml.
FROM debian:12
COPY scripts/bootstrap /src/scripts/bootstrap
RUN /src/scripts/bootstrap --runtime && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /src/build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
 && cmake --build /src/build -j"$(nproc)" --target fleetcast fleetcast-manager fleetcast-gateway fleetcast-device \
 && install -m 0755 /src/build/manager/fleetcast /src/build/manager/fleetcast-manager \
      /src/build/gateway/fleetcast-gateway /src/build/device/fleetcast-device /usr/local/bin/
WORKDIR /src
