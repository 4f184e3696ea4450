"""M/M/c in SimPy 3: the model of fleetsim's CLI bench row (bench/cli.ts), for comparison.

Poisson arrivals at `rate` per second, `servers` identical servers, exponential service times of
mean 1 second, one first-come-first-served queue (what least-connections with late binding does
on identical agents). Runs until `tasks` tasks have completed and prints one JSON line: tasks,
wall seconds of the simulation loop alone (not Python's start-up), tasks per second, and the mean
latency (for a check that the model is the same: 1.66 s at c = 10, load 0.9).

Usage: python3 mmcSimpy.py TASKS [SERVERS] [RATE] [SEED]
"""
import json
import random
import sys
import time

import simpy


def main() -> None:
    tasks = int(sys.argv[1])
    servers = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    rate = float(sys.argv[3]) if len(sys.argv) > 3 else 9.0
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    env = simpy.Environment()
    pool = simpy.Resource(env, capacity=servers)
    done = {"count": 0, "latency": 0.0}

    def task(arrived):
        with pool.request() as slot:
            yield slot
            yield env.timeout(rng.expovariate(1.0))
        done["count"] += 1
        done["latency"] += env.now - arrived

    def arrivals():
        for _ in range(tasks):
            yield env.timeout(rng.expovariate(rate))
            env.process(task(env.now))

    env.process(arrivals())
    start = time.perf_counter()
    env.run()
    wall = time.perf_counter() - start
    print(json.dumps({
        "tasks": done["count"],
        "wallSeconds": wall,
        "tasksPerSecond": done["count"] / wall,
        "meanLatencySeconds": done["latency"] / done["count"],
    }))


if __name__ == "__main__":
    main()
