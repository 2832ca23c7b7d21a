#!/usr/bin/env python3
"""Write app/static/sounds/check.wav, the pre-call check's speaker test: our own two-note chime, made from sine waves.

Run from the repository root: `python3 scripts/make-check-sound.py`. The output is deterministic (no randomness),
so running it again gives the same bytes; the file is committed, so the app never needs this script.
"""

import math
import struct
import wave
from pathlib import Path

RATE = 8000  # samples per second: plenty for tones under 1 kHz, and keeps the file a few KB
NOTES = [(659.25, 0.35), (880.0, 0.45)]  # E5 then A5, in seconds
VOLUME = 0.6  # of full scale: clearly audible, with headroom so no speaker clips
FADE = 0.02  # seconds of fade in and out per note, so the notes start and stop without a click

OUTPUT = Path(__file__).resolve().parent.parent / "app" / "static" / "sounds" / "check.wav"


def note(frequency: float, seconds: float) -> list[float]:
    """One sine note with short linear fades, as samples in [-1, 1]."""
    count = int(RATE * seconds)
    fade = int(RATE * FADE)
    samples = []
    for i in range(count):
        envelope = min(1.0, i / fade, (count - 1 - i) / fade)
        samples.append(VOLUME * envelope * math.sin(2 * math.pi * frequency * i / RATE))
    return samples


def main() -> None:
    """Write the chime as 8-bit unsigned mono PCM."""
    samples = [sample for frequency, seconds in NOTES for sample in note(frequency, seconds)]
    frames = b"".join(struct.pack("B", round(128 + 127 * sample)) for sample in samples)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(OUTPUT), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(RATE)
        out.writeframes(frames)
    print(f"{OUTPUT}: {OUTPUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
