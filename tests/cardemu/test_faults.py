"""Card faults on the emulator (emrtd_card.py --drop-after N, --delay-ms M).

Run from the repository root with Debian's interpreter:

    /usr/bin/python3 -m unittest tests/cardemu/test_faults.py -v

- `--drop-after N`: the emulator answers N APDUs, then closes its connection to vpcd without
  answering the next one (the reader sees the card pulled out) and exits; control messages
  (power, reset, ATR) are not APDUs and are not counted.
- `--delay-ms M`: the emulator waits M ms before each answer (checked through the sleep it asks
  for, never a clock).
- The command line refuses negative values.

The vpcd end is played by the test over a loopback socket; the card is the real EmrtdOS.
"""

import os
import socket
import struct
import subprocess
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import emrtd_card as card_module  # noqa: E402  (also sets up Cryptodome and virtualsmartcard)
import test_pace as tp  # noqa: E402  (the test card's files and MRZ)

SELECT_APP = bytes.fromhex("00A4040C07A0000002471001")
GET_CHALLENGE = bytes.fromhex("0084000008")


def new_card():
    files = card_module.load_files(tp.CARD_DIR)
    number, dob, doe = card_module.mrz_information_from_dg1(files[0x0101])
    return card_module.EmrtdOS(files, card_module.mrz_information(number, dob, doe))


class Vpcd:
    """The vpcd end of the emulator's connection, on loopback."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.conn = None

    def accept(self):
        self.conn, _ = self.listener.accept()
        self.conn.settimeout(30)

    def send(self, msg):
        self.conn.sendall(struct.pack("!H", len(msg)) + msg)

    def receive(self):
        """The card's answer, or None when the card left (the connection closed)."""
        head = b""
        while len(head) < 2:
            part = self.conn.recv(2 - len(head))
            if not part:
                return None
            head += part
        (size,) = struct.unpack("!H", head)
        body = b""
        while len(body) < size:
            part = self.conn.recv(size - len(body))
            if not part:
                return None
            body += part
        return body

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.listener.close()


def serve_in_thread(vpcd, faults):
    outcome = {}

    def run():
        try:
            card_module.serve(new_card(), "127.0.0.1", vpcd.port, 5, faults)
            outcome["ended"] = "returned"
        except card_module.CardLeft:
            outcome["ended"] = "card left"
        except ConnectionError:
            outcome["ended"] = "vpcd closed"

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    vpcd.accept()
    return thread, outcome


class DropAfterTest(unittest.TestCase):
    def run_drop(self, n, apdus):
        vpcd = Vpcd()
        try:
            thread, outcome = serve_in_thread(vpcd, card_module.Faults(drop_after=n))
            # Power on and the ATR: control messages, not counted.
            vpcd.send(bytes([card_module.vs.VPCD_CTRL_ON]))
            vpcd.send(bytes([card_module.vs.VPCD_CTRL_ATR]))
            self.assertEqual(vpcd.receive(), new_card().getATR())
            answers = []
            for apdu in apdus:
                vpcd.send(apdu)
                answer = vpcd.receive()
                answers.append(answer)
                if answer is None:
                    break
            thread.join(30)
            return answers, outcome
        finally:
            vpcd.close()

    def test_answers_n_apdus_then_leaves(self):
        for n in range(4):
            answers, outcome = self.run_drop(n, [SELECT_APP, GET_CHALLENGE] * 3)
            self.assertEqual(len(answers), n + 1, n)
            self.assertIsNone(answers[-1], n)
            for answer in answers[:-1]:
                self.assertIn(answer[-2:], (b"\x90\x00",), (n, answer.hex()))
            self.assertEqual(outcome.get("ended"), "card left", n)

    def test_without_the_option_the_card_stays(self):
        vpcd = Vpcd()
        try:
            thread, outcome = serve_in_thread(vpcd, card_module.Faults())
            for _ in range(20):
                vpcd.send(SELECT_APP)
                self.assertEqual(vpcd.receive(), b"\x90\x00")
            vpcd.conn.close()
            vpcd.conn = None
            thread.join(30)
            self.assertEqual(outcome.get("ended"), "vpcd closed")
        finally:
            vpcd.close()

    def test_counting(self):
        faults = card_module.Faults(drop_after=2)
        self.assertTrue(faults.before_answer())
        faults.answered_one()
        self.assertTrue(faults.before_answer())
        faults.answered_one()
        self.assertFalse(faults.before_answer())
        self.assertFalse(card_module.Faults(drop_after=0).before_answer())


class DelayTest(unittest.TestCase):
    def test_every_answer_waits(self):
        slept = []
        real_sleep = card_module.time.sleep
        card_module.time.sleep = slept.append
        try:
            vpcd = Vpcd()
            try:
                thread, _ = serve_in_thread(vpcd, card_module.Faults(delay_ms=250))
                for _ in range(3):
                    vpcd.send(SELECT_APP)
                    self.assertEqual(vpcd.receive(), b"\x90\x00")
                vpcd.send(bytes([card_module.vs.VPCD_CTRL_ATR]))
                self.assertIsNotNone(vpcd.receive())
                vpcd.conn.close()
                vpcd.conn = None
                thread.join(30)
            finally:
                vpcd.close()
        finally:
            card_module.time.sleep = real_sleep
        # One wait per APDU, none for the ATR.
        self.assertEqual(slept, [0.25, 0.25, 0.25])

    def test_no_delay_by_default(self):
        slept = []
        real_sleep = card_module.time.sleep
        card_module.time.sleep = slept.append
        try:
            self.assertTrue(card_module.Faults().before_answer())
        finally:
            card_module.time.sleep = real_sleep
        self.assertEqual(slept, [])


class CommandLineTest(unittest.TestCase):
    def run_card(self, *args):
        result = subprocess.run(
            [sys.executable, os.path.join(HERE, "emrtd_card.py"), "--card-dir", tp.CARD_DIR,
             "--port", "1", "--connect-timeout", "0"] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        return result.returncode, result.stderr.decode()

    def test_negative_values_are_refused(self):
        code, err = self.run_card("--drop-after", "-1")
        self.assertEqual(code, 2)
        self.assertIn("--drop-after must be 0 or more", err)
        code, err = self.run_card("--delay-ms", "-5")
        self.assertEqual(code, 2)
        self.assertIn("--delay-ms must be 0 or more", err)

    def test_the_options_are_accepted(self):
        code, err = self.run_card("--drop-after", "7", "--delay-ms", "20")
        self.assertIn("cannot connect to vpcd", err)


if __name__ == "__main__":
    unittest.main()
