#!/bin/sh
# Sandbox setup for the apt lessons (runs as root with every capability, inside the
# throwaway sandbox; nothing here reaches the host).
#  1. builds caplab-hello_1.0_all.deb from $CAPLAB_DATA/assets/course/pkg/caplab-hello, with
#     /usr/bin/caplab-hello owned by root:staff and mode 2755 (setgid);
#  2. makes /srv/repo an offline flat apt repository holding it;
#  3. points apt at that repository only, with empty lists and caches laid out as on
#     a fresh install (partial/ directories owned by _apt, mode 0700).
set -eu
: "${CAPLAB_DATA:?CAPLAB_DATA must name caplab's data directory}"
src="$CAPLAB_DATA/assets/course/pkg/caplab-hello"
build=$(mktemp -d /tmp/caplab-build.XXXXXX)
pkg="$build/caplab-hello"
cp -R "$src" "$pkg"
chown -R root:root "$pkg"
find "$pkg" -type d -exec chmod 0755 {} +
find "$pkg" -type f -exec chmod 0644 {} +
chgrp staff "$pkg/usr/bin/caplab-hello"
chmod 2755 "$pkg/usr/bin/caplab-hello"

mkdir -p /srv/repo
deb=caplab-hello_1.0_all.deb
dpkg-deb --build "$pkg" "/srv/repo/$deb" >/dev/null
rm -rf "$build"
cd /srv/repo
{
    dpkg-deb --field "$deb"
    echo "Filename: $deb"
    echo "Size: $(stat -c %s "$deb")"
    echo "SHA256: $(sha256sum "$deb" | cut -d' ' -f1)"
    echo
} >Packages
gzip -9nk Packages
{
    echo "Origin: caplab"
    echo "Label: caplab course"
    echo "Date: $(LC_ALL=C date -u -R)"
    echo "SHA256:"
    for f in Packages Packages.gz; do
        echo " $(sha256sum "$f" | cut -d' ' -f1) $(stat -c %s "$f") $f"
    done
} >Release

rm -f /etc/apt/sources.list.d/*
echo "deb [trusted=yes] file:/srv/repo ./" >/etc/apt/sources.list
for d in /var/lib/apt/lists /var/cache/apt/archives; do
    rm -rf "$d"
    mkdir -p "$d/partial"
    chown _apt:root "$d/partial"
    chmod 0700 "$d/partial"
done
rm -f /var/cache/apt/*.bin
