#!/usr/bin/env python3
"""Writes a synthetic JTL (JMeter CSV) of N samples at 10,000 samples/s:
three labels, exponential response times (mean 20 ms), 1 % errors.
Used to measure `storefront report` on large files (docs/BENCHMARKS.md).

    scripts/make-jtl.py 2000000 /tmp/2m.jtl
"""
import random
import sys

HEADER = ("timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,"
          "failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect")


def main() -> None:
    samples, path = int(sys.argv[1]), sys.argv[2]
    rate = 10_000
    labels = ["GET /products/<name>", "POST /orders", "GET /orders/<n>"]
    random.seed(1)
    with open(path, "w") as out:
        out.write(HEADER + "\n")
        for i in range(samples):
            start = 1_700_000_000_000 + i * 1000 // rate
            elapsed = int(random.expovariate(1 / 20)) + 1
            ok = random.random() > 0.01
            code, message = ("200", "OK") if ok else ("503", "Service Unavailable")
            out.write(f"{start},{elapsed},{labels[i % 3]},{code},{message},users 1-{i % 50},text,"
                      f"{'true' if ok else 'false'},,300,120,50,50,http://127.0.0.1:8080/x,{elapsed},0,0\n")


if __name__ == "__main__":
    main()
