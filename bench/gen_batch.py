"""Varied, distinct --batch lines: python bench/gen_batch.py N OUT [--model=always|never|mixed] [--seed=S]

From the project's shared tools (shared/tools/gen_batch.py), kept here so that `make bench` runs
from a clean checkout. A fleet that repeats a few machines is a different benchmark (see
bench_cli.py): distinct lines measure the engine, repeated ones measure a memo.
"""
import json
import random
import sys

NV = ["RTX 4090", "RTX 3090", "RTX 3060 12GB", "RTX 4060", "RTX 4070 Ti", "RTX 5090", "RTX 2080 Ti", "GTX 1080 Ti",
      "Tesla P40", "Tesla T4", "Tesla V100 32GB", "A10", "A100 80GB SXM", "A100 40GB PCIe", "L4", "L40S", "H100 SXM",
      "H100 PCIe", "H200", "B200", "RTX A6000", "RTX 6000 Ada", "RTX PRO 6000 Blackwell", "Jetson AGX Orin", "DGX Spark GB10", "GH200"]
AMD = ["MI300X", "MI250", "MI210", "Radeon RX 7900 XTX", "Radeon RX 7800 XT", "MI355X", "Radeon PRO W7900", "Radeon 8060S"]
INTEL = ["Arc A770", "Arc B580", "Data Center GPU Max 1550"]
APPLE = [("M1", [8, 16]), ("M1 Max", [32, 64]), ("M2 Pro", [16, 32]), ("M2 Ultra", [64, 128, 192]), ("M3", [8, 16, 24]),
         ("M3 Max", [36, 48, 64, 128]), ("M3 Ultra", [96, 256, 512]), ("M4 Pro", [24, 48, 64]), ("M4 Max", [36, 64, 128])]
MODELS = ["llama-3.1-8b", "llama-3.1-70b", "llama-3.2-3b", "qwen3-32b", "qwen3-30b-a3b", "qwen3-8b", "gpt-oss-20b",
          "gpt-oss-120b", "mixtral-8x7b", "gemma-3-27b", "phi-4", "deepseek-v3", "qwen2.5-72b", "mistral-7b-v0.3",
          "13b", "7b", "34b"]
TRAFFIC = ["chat", "diverse", "shared-prefix", "structured", "agent-loop", "batch"]
NEEDS = ["gui", "single-file", "openai-api", "multimodal", "hf-hub", "kubernetes", "chat-ui", "rag"]
QUANTS = ["any"] * 8 + ["gguf", "awq", "fp8", "q4_k_m", "q8_0", "exl2", "gptq", "bf16"]
RUNTIMES = ["ollama", "llama-cpp", "vllm", "sglang", "tgi", "exllamav2", "lm-studio"]


def hardware(r):
    x = r.random()
    if x < 0.50:
        hw = {"gpu": r.choice(NV)}
        if r.random() < 0.4:
            hw["gpus"] = r.choice([2, 4, 8])
        if r.random() < 0.5:
            hw["memory"] = r.choice([32, 64, 128, 256, 512])
        if r.random() < 0.1:
            hw["os"] = "windows"
        if r.random() < 0.08:
            hw["nodes"] = r.choice([2, 4])
            hw["interconnect"] = r.choice(["ethernet", "infiniband"])
    elif x < 0.62:
        hw = {"gpu": r.choice(AMD), "gpus": r.choice([1, 1, 2, 8])}
    elif x < 0.67:
        hw = {"gpu": r.choice(INTEL)}
    elif x < 0.85:
        chip, mems = r.choice(APPLE)
        hw = {"apple": chip}
        if r.random() < 0.7:
            hw["memory"] = r.choice(mems)
        if r.random() < 0.05:
            hw["nodes"] = 2
            hw["interconnect"] = "thunderbolt5"
    elif x < 0.95:
        hw = {"cpu_only": True, "memory": r.choice([16, 32, 64, 256])}
    else:
        hw = {"gpu": "Mystery GPU " + str(r.randint(1, 9)), "vram": r.choice([12, 24, 48])}
    return hw


def workload(r, model_mode):
    users = r.choice([1, 1, 1, 2, 4, 8, 32, 128])
    wl = {"traffic": r.choice(TRAFFIC) if users > 1 else r.choice(["chat", "chat", "agent-loop", "structured"]), "users": users}
    q = r.choice(QUANTS)
    if q != "any":
        wl["quant"] = q
    if model_mode == "always" or (model_mode == "mixed" and r.random() < 0.8):
        wl["model"] = r.choice(MODELS)
    if r.random() < 0.5:
        wl["context"] = r.choice([4096, 8192, 32768, 131072])
    if r.random() < 0.15:
        wl["goal"] = r.choice(["easy", "throughput", "latency"])
    if r.random() < 0.25:
        wl["needs"] = r.sample(NEEDS, r.randint(1, 2))
    if r.random() < 0.05:
        wl["runtime"] = r.choice(RUNTIMES)
    return wl


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    mode = "mixed"
    seed = 1
    for a in sys.argv[3:]:
        if a.startswith("--model="):
            mode = a.split("=", 1)[1]
        if a.startswith("--seed="):
            seed = int(a.split("=", 1)[1])
    write(n, out, mode, seed)


def write(n, out, mode="mixed", seed=1):
    r = random.Random(seed)
    with open(out, "w") as f:
        for _ in range(n):
            f.write(json.dumps({"hardware": hardware(r), "workload": workload(r, mode)}) + "\n")

if __name__ == "__main__":
    main()
