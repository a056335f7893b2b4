"""An SMTP server for keyward's mail tests (aiosmtpd): stores each message
it accepts as a file in DIR, named so that they sort in arrival order, with
the envelope's recipients in a first header line (X-Sink-Rcpt).

    python3 smtp_sink.py DIR PORT      (PORT 0: any free port)

Prints the port it listens on, then serves until killed. Behaviour the tests
switch on with files in DIR:
  .delay   wait this many seconds (the file's content) after storing a
           message and before answering 250 (to kill a sender mid-send);
  recipients starting with "reject" are refused with 550 (permanent).
"""
import asyncio
import os
import sys
import time

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = "%020d-%06d.eml" % (time.time_ns(), self.count)
        path = os.path.join(self.directory, name)
        head = ("X-Sink-Rcpt: %s\r\n" % ",".join(envelope.rcpt_tos)).encode()
        with open(path + ".part", "wb") as f:
            f.write(head + envelope.original_content)
        os.rename(path + ".part", path)
        delay = os.path.join(self.directory, ".delay")
        if os.path.exists(delay):
            with open(delay) as f:
                await asyncio.sleep(float(f.read().strip() or "5"))
        return "250 2.0.0 stored"


async def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    handler = Sink(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", data_size_limit=10_000_000),
        "127.0.0.1",
        port,
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
