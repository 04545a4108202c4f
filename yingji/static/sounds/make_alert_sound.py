"""Writes new-incident.wav: the board's alert for a new report (two rising tones, 0.7 s).

Generated here rather than downloaded (no outside assets): ``python make_alert_sound.py``.
"""

import math
import struct
import wave
from pathlib import Path

RATE = 22050
TONES = [(880.0, 0.16), (0.0, 0.05), (1175.0, 0.16), (0.0, 0.05), (1568.0, 0.26)]


def samples() -> list[int]:
    out: list[int] = []
    for freq, seconds in TONES:
        n = int(RATE * seconds)
        for i in range(n):
            if freq == 0:
                out.append(0)
                continue
            # 10 ms attack and release so the tones do not click.
            envelope = min(1.0, i / (0.01 * RATE), (n - i) / (0.01 * RATE))
            value = math.sin(2 * math.pi * freq * i / RATE) + 0.3 * math.sin(
                4 * math.pi * freq * i / RATE
            )
            out.append(int(0.45 * 32767 * envelope * value / 1.3))
    return out


def main() -> None:
    path = Path(__file__).with_name("new-incident.wav")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(b"".join(struct.pack("<h", s) for s in samples()))


if __name__ == "__main__":
    main()
