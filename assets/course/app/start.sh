#!/bin/sh
# A stand-in for a real service's start script, used in the production lesson.
# Like many daemons started as root, it
#   1. hands its data directory to the service account (uid 1000), and
#   2. listens on a privileged port (80).
# Each step prints what it does; the script stops at the first failure.
set -e
mkdir -p /srv/app/data
echo "start: chown 1000:1000 /srv/app/data"
chown 1000:1000 /srv/app/data
echo "start: listen on port 80"
"${CAPLAB_DATA:?}/assets/course/bin/listen-check" 80
echo "start: ready"
