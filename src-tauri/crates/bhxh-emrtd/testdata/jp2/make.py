#!/usr/bin/python3
"""JPEG 2000 face images for DG2 tests, made once with Pillow (Debian: python3-pil, built with
OpenJPEG): a 48 x 64 RGB test pattern, pixel (x, y) = (5x mod 256, 4y mod 256, 3(x + y) mod 256),
stored losslessly (reversible 5/3 wavelet) so that a decoder must give back exactly these values:

- face.jp2  the JP2 file format (signature box, header, codestream), as ICAO 9303 allows in DG2;
- face.j2k  the bare codestream (SOC, SIZ, ...), which DG2 may also carry.

Not rerun by the fixture regeneration: the files are deterministic and committed.
Run: /usr/bin/python3 testdata/jp2/make.py
"""
import os

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
W, H = 48, 64


def pattern():
    img = Image.new("RGB", (W, H))
    img.putdata([((5 * x) % 256, (4 * y) % 256, (3 * (x + y)) % 256)
                 for y in range(H) for x in range(W)])
    return img


def main():
    img = pattern()
    img.save(os.path.join(HERE, "face.jp2"), "JPEG2000", irreversible=False, no_jp2=False)
    img.save(os.path.join(HERE, "face.j2k"), "JPEG2000", irreversible=False, no_jp2=True)
    for name in ("face.jp2", "face.j2k"):
        back = Image.open(os.path.join(HERE, name)).convert("RGB")
        assert list(back.getdata()) == list(img.getdata()), name


if __name__ == "__main__":
    main()
