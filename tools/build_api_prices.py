"""Build src/costcurve/data/api_prices_2026-11.csv: LLM API list prices with benchmark scores.

Run from the repository root (a development step, not a run-time one; the package never reads these
inputs):

    git --git-dir=PATH/llm-benchmark-efficiency.git show 34b9233:data/aa_data_with_math5.csv > epoch/aa_data_with_math5.csv
    git --git-dir=... show 34b9233:data/epoch_ai_price_data_not_in_aa_with_benchmarks.csv > epoch/epoch_ai_price_data_not_in_aa_with_benchmarks.csv
    .venv/bin/python tools/build_api_prices.py --epoch epoch/

Rows:

* Epoch AI's data for "LLM inference prices have fallen rapidly but unequally across tasks" (Cottier
  et al., 2025-03-12), from github.com/epoch-research/llm-benchmark-efficiency @ 34b9233 (the commit
  behind its published results; ../shared/reference-data/epoch-llm-inference-prices holds an earlier
  copy with month-precision dates): model, date, the 3:1 blended price [USD per 1M tokens] and the
  scores, compiled by Artificial Analysis and Epoch AI. Facts only; credit "Epoch AI; Artificial
  Analysis". The first-party API where one exists, otherwise the median across providers (Epoch's
  rule), which is what ``price_basis`` says.
* Input and output prices of those rows where a published split reproduces Epoch's blend
  ((3 x input + output) / 4 within 2 %, or half a cent for
  prices Epoch rounds to the cent), from ``SPLITS`` below.
* 2025-2026 list prices (``MANUAL_ROWS``), each with its source and date, and per-provider list prices
  of open-weight models (``PROVIDER_ROWS``), which the loader turns into medians across providers.

Parameters (total and active, a count) come from the model developers' papers or model cards (``PARAMS``);
``architecture`` names the costcurve preset of an open-weight model (``ARCHITECTURE``), so serving-cost
estimates can be set next to API prices.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from _table import table_path, write_table  # tools/_table.py

COLUMNS = ["model", "date", "provider", "price_basis", "open_weights", "params", "active_params",
           "usd_per_m_input", "usd_per_m_output", "usd_per_m_blended", "mmlu", "gpqa_diamond", "math_500",
           "math_l5", "humaneval", "arena_elo", "reasoning", "architecture", "source"]
EPOCH_SRC = ("Epoch AI; Artificial Analysis: github.com/epoch-research/llm-benchmark-efficiency @ 34b9233 "
             "data/{file} (Cottier et al. 2025, 'LLM inference prices have fallen rapidly but unequally across tasks')")
BENCH = {"MMLU": "mmlu", "GPQA Diamond": "gpqa_diamond", "MATH-500": "math_500", "MATH 5": "math_l5",
         "HumanEval": "humaneval", "LMSys Chatbot Arena ELO": "arena_elo"}
REASONING = {"DeepSeek-R1", "o1", "o1-mini", "o1-preview", "o3-mini"}  # Epoch's exclusion list
# model -> developer (first-party API) for closed and first-party-served rows; others: median of providers
DEVELOPER = {"Claude": "Anthropic", "GPT": "OpenAI", "o1": "OpenAI", "o3": "OpenAI", "Gemini": "Google",
             "Mistral-Large": "Mistral", "Mistral-Small": "Mistral", "Mistral Small 3": "Mistral",
             "Mistral 7B": "Mistral", "Cohere": "Cohere", "Command": "Cohere", "DeepSeek": "DeepSeek",
             "Jamba": "AI21", "Reka": "Reka"}
OPEN_PREFIX = ("Llama", "Gemma", "Mistral-NeMo", "Mistral-8x22", "Mistral 7B", "Mistral Small 3", "Phi",
               "DeepSeek", "Command R", "Jamba")
# total and active parameters [count] where the developer published them
PAPERS = {
    "llama2": "Touvron et al. 2023, Llama 2 (arXiv:2307.09288)", "llama3": "Meta, Llama 3 model card (2024-04-18)",
    "llama31": "Dubey et al. 2024, The Llama 3 Herd of Models (arXiv:2407.21783), Table 3",
    "llama32": "Meta, Llama 3.2 model card (2024-09-25)", "gemma2": "Gemma Team 2024, Gemma 2 (arXiv:2408.00118)",
    "mixtral": "Mistral AI, 'Cheaper, Better, Faster, Stronger' (Mixtral 8x22B, 2024-04-17)",
    "mistral7b": "Jiang et al. 2023, Mistral 7B (arXiv:2310.06825)", "nemo": "Mistral AI, 'Mistral NeMo' (2024-07-18)",
    "small3": "Mistral AI, 'Mistral Small 3' (2025-01-30)", "large2": "Mistral AI, 'Large Enough' (2024-07-24)",
    "phi4": "Abdin et al. 2024, Phi-4 Technical Report (arXiv:2412.08905)",
    "dsv3": "DeepSeek-AI 2024, DeepSeek-V3 Technical Report (arXiv:2412.19437)",
    "dscoder": "DeepSeek-AI 2024, DeepSeek-Coder-V2 (arXiv:2406.11931)", "gpt3": "Brown et al. 2020 (arXiv:2005.14165)",
    "flash8b": "Gemini Team 2024, Gemini 1.5 (arXiv:2403.05530), Flash-8B", "jamba": "AI21, Jamba 1.5 (arXiv:2408.12570)",
    "command": "Cohere, Command R / R+ model cards (Hugging Face)", "llama4": "Meta AI, 'The Llama 4 herd' (2025-04-05)",
}
PARAMS = {  # model name prefix -> (total, active, paper key)
    "Llama-2-Chat-7B": (7e9, 7e9, "llama2"), "Llama 2-7B": (7e9, 7e9, "llama2"),
    "Llama-2-Chat-13B": (13e9, 13e9, "llama2"), "Llama 2-13B": (13e9, 13e9, "llama2"),
    "Llama 2-70B": (70e9, 70e9, "llama2"), "Llama-3-Instruct-8B": (8e9, 8e9, "llama3"),
    "Llama-3-Instruct-70B": (70e9, 70e9, "llama3"), "Llama-3.1-Instruct-8B": (8e9, 8e9, "llama31"),
    "Llama-3.1-Instruct-70B": (70e9, 70e9, "llama31"), "Llama-3.1-Instruct-405B": (405e9, 405e9, "llama31"),
    "Llama-3.2-Instruct-1B": (1.23e9, 1.23e9, "llama32"), "Llama-3.2-Instruct-3B": (3.21e9, 3.21e9, "llama32"),
    "Gemma-2-9B": (9e9, 9e9, "gemma2"), "Gemma-2-27B": (27e9, 27e9, "gemma2"),
    "Mistral-8x22": (141e9, 39e9, "mixtral"), "Mistral 7B": (7.3e9, 7.3e9, "mistral7b"),
    "Mistral-NeMo": (12e9, 12e9, "nemo"), "Mistral Small 3": (24e9, 24e9, "small3"),
    "Mistral-Large-2": (123e9, 123e9, "large2"), "Phi 4": (14e9, 14e9, "phi4"),
    "DeepSeek-V3": (671e9, 37e9, "dsv3"), "DeepSeek-R1": (671e9, 37e9, "dsv3"),
    "DeepSeek-Coder-V2": (236e9, 21e9, "dscoder"), "GPT-3 175B": (175e9, 175e9, "gpt3"),
    "Gemini-1.5-Flash-8B": (8e9, 8e9, "flash8b"), "Jamba 1.5-Large": (398e9, 94e9, "jamba"),
    "Command R+": (104e9, 104e9, "command"), "Command R": (35e9, 35e9, "command"),
    "Llama 3.1 8B": (8e9, 8e9, "llama31"), "Llama 3.1 70B": (70e9, 70e9, "llama31"),
    "Llama 3.1 405B": (405e9, 405e9, "llama31"), "Mixtral 8x7B": (46.7e9, 12.9e9, "mixtral"),
    "Mixtral 8x22B": (141e9, 39e9, "mixtral"), "Llama 4 Maverick": (400e9, 17e9, "llama4"),
    "Llama 4 Scout": (109e9, 17e9, "llama4"), "Qwen2.5 72B": (72.7e9, 72.7e9, None),
}
QWEN25 = "Qwen Team 2024, Qwen2.5 Technical Report (arXiv:2412.15115)"
#: open-weight model name prefix -> costcurve architecture preset (data/architectures_2026-11.csv)
ARCHITECTURE = {
    "Llama-2-Chat-7B": "llama2-7b", "Llama 2-7B": "llama2-7b", "Llama-2-Chat-13B": "llama2-13b",
    "Llama 2-13B": "llama2-13b", "Llama 2-70B": "llama2-70b", "Llama-3-Instruct-8B": "llama3-8b",
    "Llama-3-Instruct-70B": "llama3-70b", "Llama-3.1-Instruct-8B": "llama3.1-8b", "Llama 3.1 8B": "llama3.1-8b",
    "Llama-3.1-Instruct-70B": "llama3.1-70b", "Llama 3.1 70B": "llama3.1-70b",
    "Llama-3.1-Instruct-405B": "llama3.1-405b", "Llama 3.1 405B": "llama3.1-405b",
    "Llama-3.2-Instruct-1B": "llama3.2-1b", "Llama-3.2-Instruct-3B": "llama3.2-3b", "Mistral 7B": "mistral-7b",
    "Mixtral 8x7B": "mixtral-8x7b", "Mixtral 8x22B": "mixtral-8x22b", "Mistral-8x22": "mixtral-8x22b",
    "Qwen2.5 72B": "qwen2.5-72b", "Gemma-2-9B": "gemma2-9b", "Gemma-2-27B": "gemma2-27b",
    "DeepSeek-V3": "deepseek-v3",
}

LLM_PRICES = "simonw/llm-prices data/{vendor}.json @ 723ef0b (2026-08-05)"
GENAI = "pydantic/genai-prices prices/providers/{p}.yml @ 47df840 (2026-08-21)"
OPENAI_PRICING = "OpenAI API pricing at release ({date})"
#: (model, date) of an Epoch row -> (input, output, source): a published split of the blended price
SPLITS = {
    ("GPT-3 175B (davinci)", "2021-11-20"): (60, 60, "OpenAI pricing 2021: davinci $0.06 per 1K tokens"),
    ("GPT-3 175B (davinci)", "2022-08-31"): (60, 60, "OpenAI pricing 2021: davinci $0.06 per 1K tokens"),
    ("GPT-3 175B (davinci)", "2022-09-01"): (20, 20, "OpenAI price cut 2022-09-01: davinci $0.02 per 1K tokens"),
    ("GPT-3.5", "2022-11-30"): (20, 20, LLM_PRICES.format(vendor="openai") + ", text-davinci-003"),
    ("GPT-3.5 Turbo", "2023-03-06"): (2, 2, "OpenAI, 'Introducing ChatGPT and Whisper APIs' (2023-03-01): $0.002 per 1K tokens"),
    ("GPT-4-0314", "2023-03-14"): (30, 60, "OpenAI GPT-4 pricing (2023-03-14): $0.03 / $0.06 per 1K tokens"),
    ("GPT-4 Turbo", "2023-11-06"): (10, 30, "OpenAI DevDay (2023-11-06): $0.01 / $0.03 per 1K tokens"),
    ("GPT-4o-2024-05", "2024-05-13"): (5, 15, "OpenAI, 'Hello GPT-4o' (2024-05-13): $5 / $15 per 1M tokens"),
    ("GPT-4o-2024-08", "2024-08-06"): (2.5, 10, LLM_PRICES.format(vendor="openai") + ", gpt-4o"),
    ("GPT-4o-2024-11", "2024-11-20"): (2.5, 10, LLM_PRICES.format(vendor="openai") + ", gpt-4o"),
    ("GPT-4o-mini", "2024-07-18"): (0.15, 0.6, LLM_PRICES.format(vendor="openai") + ", gpt-4o-mini"),
    ("Claude-3-Haiku", "2024-03-04"): (0.25, 1.25, LLM_PRICES.format(vendor="anthropic") + ", claude-3-haiku"),
    ("Claude-3-Opus", "2024-03-04"): (15, 75, LLM_PRICES.format(vendor="anthropic") + ", claude-3-opus"),
    ("Claude-3-Sonnet", "2024-03-04"): (3, 15, "Anthropic, Claude 3 family (2024-03-04): $3 / $15"),
    ("Claude-3.5-Haiku", "2024-10-22"): (0.8, 4, LLM_PRICES.format(vendor="anthropic") + ", claude-3.5-haiku"),
    ("Claude-3.5-Sonnet-2024-06", "2024-06-20"): (3, 15, LLM_PRICES.format(vendor="anthropic") + ", claude-3.5-sonnet"),
    ("Claude-3.5-Sonnet-2024-10", "2024-10-22"): (3, 15, LLM_PRICES.format(vendor="anthropic") + ", claude-3.5-sonnet"),
    ("Gemini-1.5-Pro-2024-05", "2024-05-23"): (1.25, 5, LLM_PRICES.format(vendor="google") + ", gemini-1.5-pro"),
    ("Gemini-1.5-Pro-2024-09", "2024-09-24"): (1.25, 5, LLM_PRICES.format(vendor="google") + ", gemini-1.5-pro"),
    ("Gemini-1.5-Flash-2024-09", "2024-09-24"): (0.075, 0.3, LLM_PRICES.format(vendor="google") + ", gemini-1.5-flash"),
    ("Gemini-1.5-Flash-8B", "2024-10-03"): (0.0375, 0.15, LLM_PRICES.format(vendor="google") + ", gemini-1.5-flash-8b"),
    ("Gemini 2.0 Flash", "2025-02-05"): (0.1, 0.4, LLM_PRICES.format(vendor="google") + ", gemini-2.0-flash"),
    ("Mistral-Large-2-2024-07", "2024-07-24"): (2, 6, LLM_PRICES.format(vendor="mistral") + ", mistral-large-latest"),
    ("Mistral-Large-2-2024-11", "2024-11-18"): (2, 6, LLM_PRICES.format(vendor="mistral") + ", mistral-large-latest"),
    ("Mistral 7B", "2024-09-14"): (0.25, 0.25, LLM_PRICES.format(vendor="mistral") + ", open-mistral-7b"),
    ("DeepSeek-V3", "2024-12-26"): (0.27, 1.1, "DeepSeek API docs, Models & Pricing: deepseek-chat $0.27 / $1.10 (list price after the promotion to 2025-02-08)"),
    ("GPT-3.5-Turbo-2024-01", "2024-01-25"): (0.5, 1.5, "OpenAI, 'New embedding models and API updates' (2024-01-25): $0.0005 / $0.0015 per 1K"),
    ("GPT-3.5-Turbo-2023-11", "2023-11-06"): (0.5, 1.5, "OpenAI gpt-3.5-turbo-0125 price, $0.50 / $1.50 per 1M"),
}

GPT41 = "OpenAI, 'Introducing GPT-4.1 in the API' (2025-04-14), https://openai.com/index/gpt-4-1/: prices and MMLU/GPQA Diamond"
#: 2025-2026 first-party list prices (blend computed). scores only where the developer or Epoch published them
MANUAL_ROWS = [
    dict(model="GPT-4.1", date="2025-04-14", provider="OpenAI", usd_per_m_input=2, usd_per_m_output=8,
         mmlu=90.2, gpqa_diamond=66.3, source=GPT41),
    dict(model="GPT-4.1 mini", date="2025-04-14", provider="OpenAI", usd_per_m_input=0.4, usd_per_m_output=1.6,
         mmlu=87.5, gpqa_diamond=65.0, source=GPT41),
    dict(model="GPT-4.1 nano", date="2025-04-14", provider="OpenAI", usd_per_m_input=0.1, usd_per_m_output=0.4,
         mmlu=80.1, gpqa_diamond=50.3, source=GPT41),
    dict(model="Gemini 2.0 Flash-Lite", date="2025-02-25", provider="Google", usd_per_m_input=0.075,
         usd_per_m_output=0.3, source=LLM_PRICES.format(vendor="google") + ", gemini-2.0-flash-lite; GA 2025-02-25 "
         "(Google Developers Blog)"),
    dict(model="DeepSeek-V3", date="2025-02-08", provider="DeepSeek", usd_per_m_input=0.27, usd_per_m_output=1.1,
         open_weights="true", gpqa_diamond=57, math_l5=65, source=LLM_PRICES.format(vendor="deepseek") +
         ", deepseek-chat price history (from 2025-02-08); scores as in Epoch's row"),
    dict(model="DeepSeek-V3.1", date="2025-09-05", provider="DeepSeek", usd_per_m_input=0.56, usd_per_m_output=1.68,
         open_weights="true", source="DeepSeek API docs, Models & Pricing (price list from 2025-09-05 16:00 UTC)"),
    dict(model="Claude 3.7 Sonnet", date="2025-02-24", provider="Anthropic", usd_per_m_input=3, usd_per_m_output=15,
         source=LLM_PRICES.format(vendor="anthropic") + ", claude-3.7-sonnet; released 2025-02-24"),
    dict(model="Claude Haiku 4.5", date="2025-10-15", provider="Anthropic", usd_per_m_input=1, usd_per_m_output=5,
         source=LLM_PRICES.format(vendor="anthropic") + ", claude-4.5-haiku (added 2025-10-15, its release day)"),
    dict(model="GPT-5", date="2025-08-07", provider="OpenAI", usd_per_m_input=1.25, usd_per_m_output=10,
         reasoning="true", source=LLM_PRICES.format(vendor="openai") + ", gpt-5; released 2025-08-07"),
    dict(model="GPT-5 mini", date="2025-08-07", provider="OpenAI", usd_per_m_input=0.25, usd_per_m_output=2,
         reasoning="true", source=LLM_PRICES.format(vendor="openai") + ", gpt-5-mini; released 2025-08-07"),
    dict(model="GPT-5 nano", date="2025-08-07", provider="OpenAI", usd_per_m_input=0.05, usd_per_m_output=0.4,
         reasoning="true", source=LLM_PRICES.format(vendor="openai") + ", gpt-5-nano; released 2025-08-07"),
    dict(model="Llama 4 Maverick", date="2025-04-05", provider="median of 6 providers (Artificial Analysis)",
         price_basis="median of providers", usd_per_m_input=0.24, usd_per_m_output=0.77, open_weights="true",
         gpqa_diamond=69.8, source="Artificial Analysis, Llama 4 launch benchmarks (post of April 2025, days after the release): median $0.24 / $0.77 "
         "across 6 providers; GPQA Diamond 69.8 from Meta AI, 'The Llama 4 herd' (2025-04-05)"),
    dict(model="Llama 4 Scout", date="2025-04-05", provider="median of providers (Artificial Analysis)",
         price_basis="median of providers", usd_per_m_input=0.15, usd_per_m_output=0.4, open_weights="true",
         gpqa_diamond=57.2, source="Artificial Analysis, Llama 4 launch benchmarks (post of April 2025, days after the release): median $0.15 / $0.40; "
         "GPQA Diamond 57.2 from Meta AI, 'The Llama 4 herd' (2025-04-05)"),
]
#: per-provider list prices of open-weight models: (model, provider, input, output, date, source), as recorded
#: by pydantic/genai-prices at one commit (dated by it; aggregators such as OpenRouter left out)
PROVIDER_ROWS = [
    ("Llama 3.1 8B", "Together", 0.18, 0.18, "2026-08-21", GENAI.format(p="together")),
    ("Llama 3.1 8B", "Fireworks", 0.2, 0.2, "2026-08-21", GENAI.format(p="fireworks")),
    ("Llama 3.1 8B", "Groq", 0.05, 0.08, "2026-08-21", GENAI.format(p="groq")),
    ("Llama 3.1 8B", "Amazon Bedrock", 0.22, 0.22, "2026-08-21", GENAI.format(p="aws")),
    ("Llama 3.1 8B", "Novita", 0.05, 0.05, "2026-08-21", GENAI.format(p="novita")),
    ("Llama 3.1 8B", "Cerebras", 0.1, 0.1, "2026-08-21", GENAI.format(p="cerebras")),
    ("Llama 3.1 8B", "OVHcloud", 0.11, 0.11, "2026-08-21", GENAI.format(p="ovhcloud")),
    ("Llama 3.1 8B", "Nebius", 0.03, 0.09, "2026-08-21", GENAI.format(p="huggingface_nebius")),
    ("Llama 3.1 70B", "Together", 0.88, 0.88, "2026-08-21", GENAI.format(p="together")),
    ("Llama 3.1 70B", "Groq", 0.59, 0.79, "2026-08-21", GENAI.format(p="groq")),
    ("Llama 3.1 70B", "Amazon Bedrock", 0.72, 0.72, "2026-08-21", GENAI.format(p="aws")),
    ("Llama 3.1 70B", "Novita", 0.34, 0.39, "2026-08-21", GENAI.format(p="novita")),
    ("Llama 3.1 70B", "Avian", 0.45, 0.45, "2026-08-21", GENAI.format(p="avian")),
    ("Llama 3.1 405B", "Together", 3.5, 3.5, "2026-08-21", GENAI.format(p="together")),
    ("Llama 3.1 405B", "Avian", 1.5, 1.5, "2026-08-21", GENAI.format(p="avian")),
    ("Mixtral 8x7B", "Together", 0.9, 0.9, "2026-08-21", GENAI.format(p="together")),
    ("Mixtral 8x7B", "Groq", 0.24, 0.24, "2026-08-21", GENAI.format(p="groq")),
    ("Mixtral 8x7B", "Amazon Bedrock", 0.45, 0.7, "2026-08-21", GENAI.format(p="aws")),
    ("Mixtral 8x7B", "Mistral", 0.7, 0.7, "2026-08-21", GENAI.format(p="mistral")),
    ("Mixtral 8x7B", "OVHcloud", 0.7, 0.7, "2026-08-21", GENAI.format(p="ovhcloud")),
    ("Mixtral 8x22B", "Together", 2.4, 2.4, "2026-08-21", GENAI.format(p="together")),
    ("Mixtral 8x22B", "Mistral", 0.9, 0.9, "2026-08-21", GENAI.format(p="mistral")),
    ("DeepSeek-V3", "Fireworks", 0.9, 0.9, "2026-08-21", GENAI.format(p="fireworks") + ", deepseek-v3-0324"),
    ("DeepSeek-V3", "Nebius", 0.75, 2.25, "2026-08-21", GENAI.format(p="huggingface_nebius") + ", DeepSeek-V3-0324"),
    ("DeepSeek-V3", "Hyperbolic", 1.25, 1.25, "2026-08-21", GENAI.format(p="huggingface_hyperbolic") + ", DeepSeek-V3-0324"),
    ("DeepSeek-V3", "SambaNova", 3.0, 4.5, "2026-08-21", GENAI.format(p="huggingface_sambanova") + ", DeepSeek-V3-0324"),
    ("Qwen2.5 72B", "Novita", 0.38, 0.40, "2026-08-21", GENAI.format(p="novita")),
    ("Llama 4 Maverick", "Together", 0.27, 0.85, "2026-08-21", GENAI.format(p="together")),
    ("Llama 4 Maverick", "Fireworks", 0.22, 0.88, "2026-08-21", GENAI.format(p="fireworks")),
    ("Llama 4 Maverick", "Groq", 0.2, 0.6, "2026-08-21", GENAI.format(p="groq")),
    ("Llama 4 Maverick", "Amazon Bedrock", 0.24, 0.97, "2026-08-21", GENAI.format(p="aws")),
    ("Llama 4 Scout", "Together", 0.18, 0.59, "2026-08-21", GENAI.format(p="together")),
    ("Llama 4 Scout", "Groq", 0.11, 0.34, "2026-08-21", GENAI.format(p="groq")),
    ("Llama 4 Scout", "Amazon Bedrock", 0.17, 0.66, "2026-08-21", GENAI.format(p="aws")),
]
#: scores of the open models listed only per provider (so that the medians qualify for capability levels)
PROVIDER_SCORES = {
    "Llama 3.1 8B": dict(mmlu=71, gpqa_diamond=27, math_500=50, humaneval=67, arena_elo=1172),
    "Llama 3.1 70B": dict(mmlu=84, gpqa_diamond=43, math_500=64, humaneval=80, arena_elo=1249),
    "Llama 3.1 405B": dict(mmlu=87, gpqa_diamond=50, math_500=70, humaneval=87, arena_elo=1266),
    "Mixtral 8x22B": dict(mmlu=76, gpqa_diamond=37, math_500=56, humaneval=74, arena_elo=1148),
    "DeepSeek-V3": dict(gpqa_diamond=57, math_l5=65),
    "Llama 4 Maverick": dict(gpqa_diamond=69.8), "Llama 4 Scout": dict(gpqa_diamond=57.2),
}
PROVIDER_SCORE_SOURCE = {
    "Llama 3.1 8B": "scores: Epoch AI; Artificial Analysis (row Llama-3.1-Instruct-8B)",
    "Llama 3.1 70B": "scores: Epoch AI; Artificial Analysis (row Llama-3.1-Instruct-70B)",
    "Llama 3.1 405B": "scores: Epoch AI; Artificial Analysis (row Llama-3.1-Instruct-405B)",
    "Mixtral 8x22B": "scores: Epoch AI; Artificial Analysis (row Mistral-8x22)",
    "DeepSeek-V3": "scores: Epoch AI (row DeepSeek-V3)",
    "Llama 4 Maverick": "GPQA Diamond: Meta AI, 'The Llama 4 herd' (2025-04-05)",
    "Llama 4 Scout": "GPQA Diamond: Meta AI, 'The Llama 4 herd' (2025-04-05)",
}


def _fmt(v) -> str:
    if v is None or v == "":
        return ""
    f = float(v)
    return f"{f:.6g}"


def _params(model: str):
    for prefix, (total, active, key) in sorted(PARAMS.items(), key=lambda kv: -len(kv[0])):
        if model.startswith(prefix):
            return total, active, PAPERS[key] if key else QWEN25
    return None, None, ""


def _architecture(model: str) -> str:
    for prefix, arch in sorted(ARCHITECTURE.items(), key=lambda kv: -len(kv[0])):
        if model.startswith(prefix) and not model.startswith("DeepSeek-V3.1"):
            return arch
    return ""


def _developer(model: str) -> str | None:
    if model.startswith(("Llama", "Gemma", "Phi", "Mistral-NeMo", "Mistral-8x22")):
        return None
    for prefix, dev in DEVELOPER.items():
        if model.startswith(prefix):
            return dev
    return None


def epoch_rows(folder: Path) -> list[dict]:
    rows = []
    for file in ("aa_data_with_math5.csv", "epoch_ai_price_data_not_in_aa_with_benchmarks.csv"):
        with open(folder / file, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                name, date = r["Model Name"].strip(), r["Release Date"].strip()
                dev = _developer(name)
                total, active, psrc = _params(name)
                row = {"model": name, "date": date, "provider": dev or "median of providers (Artificial Analysis)",
                       "price_basis": "first-party" if dev else "median of providers",
                       "open_weights": "true" if name.startswith(OPEN_PREFIX) else "false",
                       "params": _fmt(total), "active_params": _fmt(active),
                       "usd_per_m_blended": _fmt(r["USD per 1M Tokens"]),
                       "reasoning": "true" if name in REASONING else "false", "architecture": _architecture(name),
                       "source": EPOCH_SRC.format(file=file) + (f"; parameters: {psrc}" if psrc else "")}
                for col, key in BENCH.items():
                    row[key] = _fmt(r.get(col, "").strip() or None)
                split = SPLITS.get((name, date))
                if split:
                    i, o, ssrc = split
                    blend = (3 * i + o) / 4
                    epoch_blend = float(r["USD per 1M Tokens"])  # published rounded to cents
                    if abs(blend - epoch_blend) > max(0.02 * epoch_blend, 0.005):
                        raise SystemExit(f"split {i}/{o} of {name} {date} gives {blend}, Epoch says {r['USD per 1M Tokens']}")
                    row.update(usd_per_m_input=_fmt(i), usd_per_m_output=_fmt(o))
                    row["source"] += f"; input/output: {ssrc}"
                rows.append(row)
    return rows


def manual_rows() -> list[dict]:
    rows = []
    for m in MANUAL_ROWS:
        r = {c: "" for c in COLUMNS}
        r.update({k: (v if isinstance(v, str) else _fmt(v)) for k, v in m.items()})
        r.setdefault("price_basis", "first-party")
        r["price_basis"] = r["price_basis"] or "first-party"
        r["open_weights"] = r["open_weights"] or "false"
        r["reasoning"] = r["reasoning"] or "false"
        r["architecture"] = _architecture(m["model"])
        total, active, psrc = _params(m["model"])
        if total:
            r["params"], r["active_params"] = _fmt(total), _fmt(active)
            r["source"] += f"; parameters: {psrc}"
        r["usd_per_m_blended"] = _fmt((3 * float(m["usd_per_m_input"]) + float(m["usd_per_m_output"])) / 4)
        rows.append(r)
    for entry in PROVIDER_ROWS:
        model, prov, i, o, date, src = entry
        total, active, psrc = _params(model)
        blend = (3 * i + o) / 4
        r = {c: "" for c in COLUMNS}
        r.update(model=model, date=date, provider=prov, price_basis="provider", open_weights="true",
                 params=_fmt(total), active_params=_fmt(active), usd_per_m_input=_fmt(i), usd_per_m_output=_fmt(o),
                 usd_per_m_blended=_fmt(blend), reasoning="false", architecture=_architecture(model),
                 source=src + (f"; parameters: {psrc}" if psrc else ""))
        for k, v in PROVIDER_SCORES.get(model, {}).items():
            r[k] = _fmt(v)
        if model in PROVIDER_SCORE_SOURCE:
            r["source"] += "; " + PROVIDER_SCORE_SOURCE[model]
        rows.append(r)
    return rows


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epoch", required=True, help="folder with Epoch's two CSVs (llm-benchmark-efficiency @ 34b9233)")
    a = p.parse_args(argv)
    rows = epoch_rows(Path(a.epoch)) + manual_rows()
    rows.sort(key=lambda r: (r["date"], r["model"], r["provider"]))
    write_table("api_prices", COLUMNS, rows)


if __name__ == "__main__":
    main()
