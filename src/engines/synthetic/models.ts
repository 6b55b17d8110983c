import {readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {badInput} from '../../errors.js';

/** A dense decoder-only transformer, described like a Hugging Face `config.json`. */
export interface ModelSpec {
  name: string;
  /** Hugging Face id the numbers come from (or the config path). */
  hfId: string;
  layers: number;
  hiddenSize: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  maxPositions: number;
  tieWordEmbeddings: boolean;
  /** Qwen3 normalises q and k per head (two extra element-wise ops per layer). */
  qkNorm: boolean;
}

function m(
  name: string,
  hfId: string,
  layers: number,
  hiddenSize: number,
  heads: number,
  kvHeads: number,
  intermediateSize: number,
  vocabSize: number,
  maxPositions: number,
  extra: Partial<ModelSpec> = {},
): ModelSpec {
  return {
    name,
    hfId,
    layers,
    hiddenSize,
    heads,
    kvHeads,
    headDim: hiddenSize / heads,
    intermediateSize,
    vocabSize,
    maxPositions,
    tieWordEmbeddings: false,
    qkNorm: false,
    ...extra,
  };
}

/** Shapes from each model's public config.json. */
export const MODELS: readonly ModelSpec[] = [
  m('llama-3.1-8b', 'meta-llama/Llama-3.1-8B-Instruct', 32, 4096, 32, 8, 14336, 128256, 131072),
  m('llama-3.1-70b', 'meta-llama/Llama-3.1-70B-Instruct', 80, 8192, 64, 8, 28672, 128256, 131072),
  m('llama-3.1-405b', 'meta-llama/Llama-3.1-405B-Instruct', 126, 16384, 128, 8, 53248, 128256, 131072),
  m('llama-3.3-70b', 'meta-llama/Llama-3.3-70B-Instruct', 80, 8192, 64, 8, 28672, 128256, 131072),
  m('qwen3-8b', 'Qwen/Qwen3-8B', 36, 4096, 32, 8, 12288, 151936, 40960, {headDim: 128, qkNorm: true}),
  m('qwen3-14b', 'Qwen/Qwen3-14B', 40, 5120, 40, 8, 17408, 151936, 40960, {headDim: 128, qkNorm: true}),
  m('qwen3-32b', 'Qwen/Qwen3-32B', 64, 5120, 64, 8, 25600, 151936, 40960, {headDim: 128, qkNorm: true}),
  m('qwen2.5-72b', 'Qwen/Qwen2.5-72B-Instruct', 80, 8192, 64, 8, 29568, 152064, 32768),
  m('mistral-7b', 'mistralai/Mistral-7B-Instruct-v0.3', 32, 4096, 32, 8, 14336, 32768, 32768),
];

export function modelNames(): string[] {
  return MODELS.map((x) => x.name);
}

/** Normalise a name or Hugging Face id: "nvidia/Llama-3.1-8B-Instruct-FP8" -> "llama-3.1-8b". */
export function normaliseModelName(name: string): string {
  let key = name.trim().toLowerCase();
  key = key.slice(key.lastIndexOf('/') + 1);
  key = key.replace(/[-_](instruct|chat|base|fp8|nvfp4|fp4|bf16|fp16|hf)(?=$|[-_])/g, '');
  key = key.replace(/[-_]v0\.\d+$/, '');
  key = key.replace(/^meta-llama-/, 'llama-');
  return key;
}

function field(obj: Record<string, unknown>, key: string, file: string, required: boolean): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) throw badInput(`${file}: missing field "${key}"`, 'a dense Llama-family config.json needs it');
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || !Number.isInteger(v)) {
    throw badInput(`${file}: field "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Turn a parsed Hugging Face config.json into a ModelSpec (multimodal wrappers: `text_config`). */
export function modelFromHfConfig(value: unknown, file: string, name?: string): ModelSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badInput(`${file}: expected a JSON object (a Hugging Face config.json)`);
  }
  let cfg = value as Record<string, unknown>;
  if (typeof cfg.text_config === 'object' && cfg.text_config !== null && cfg.num_hidden_layers === undefined) {
    cfg = cfg.text_config as Record<string, unknown>;
  }
  if (cfg.num_local_experts !== undefined || cfg.num_experts !== undefined || cfg.n_routed_experts !== undefined) {
    throw badInput(`${file}: mixture-of-experts models are not supported by the synthetic model`, 'dense Llama-family models only');
  }
  const layers = field(cfg, 'num_hidden_layers', file, true) as number;
  const hiddenSize = field(cfg, 'hidden_size', file, true) as number;
  const heads = field(cfg, 'num_attention_heads', file, true) as number;
  const kvHeads = field(cfg, 'num_key_value_heads', file, false) ?? heads;
  const intermediateSize = field(cfg, 'intermediate_size', file, true) as number;
  const vocabSize = field(cfg, 'vocab_size', file, true) as number;
  const maxPositions = field(cfg, 'max_position_embeddings', file, true) as number;
  const headDim = field(cfg, 'head_dim', file, false) ?? hiddenSize / heads;
  if (!Number.isInteger(headDim)) throw badInput(`${file}: hidden_size ${hiddenSize} is not a multiple of num_attention_heads ${heads}; give "head_dim"`);
  if (heads % kvHeads !== 0) throw badInput(`${file}: num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`);
  const arch = Array.isArray(cfg.architectures) ? String(cfg.architectures[0] ?? '') : '';
  const typeName = typeof cfg.model_type === 'string' ? cfg.model_type : '';
  return {
    name: typeof cfg._name_or_path === 'string' && cfg._name_or_path ? cfg._name_or_path : (name ?? file),
    hfId: file,
    layers,
    hiddenSize,
    heads,
    kvHeads,
    headDim,
    intermediateSize,
    vocabSize,
    maxPositions,
    tieWordEmbeddings: cfg.tie_word_embeddings === true,
    qkNorm: /qwen3/i.test(arch) || typeName === 'qwen3',
  };
}

function looksLikePath(s: string): boolean {
  return s.endsWith('.json') || s.startsWith('.') || s.startsWith('/') || s.includes(path.sep + path.sep) || s.startsWith('~');
}

/** A catalog name, a Hugging Face id of a catalog model, or the path of a config.json (or its directory). */
export function resolveModel(nameOrPath: string): ModelSpec {
  const key = normaliseModelName(nameOrPath);
  const found = MODELS.find((x) => x.name === key);
  if (found) return found;
  let file = nameOrPath;
  let isDir = false;
  try {
    isDir = statSync(file).isDirectory();
  } catch {
    if (looksLikePath(nameOrPath)) throw badInput(`model config ${nameOrPath} not found`);
    throw badInput(`unknown model "${nameOrPath}"`, `valid models: ${modelNames().join(', ')}, or the path of a config.json`);
  }
  if (isDir) file = path.join(file, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw badInput(`cannot read model config ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw badInput(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return modelFromHfConfig(parsed, file, path.basename(path.dirname(path.resolve(file))) || file);
}
