/**
 * KV capacity from a server's Prometheus `/metrics`, where engines expose it:
 * vLLM `vllm:cache_config_info{block_size="16",num_gpu_blocks="N"} 1` (capacity N * block_size),
 * SGLang `sglang:max_total_num_tokens{...} N`.
 */
function labels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

export function maxKvTokensFromMetrics(text: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([\w:]+)(?:\{(.*)\})?\s+(\S+)/.exec(line.trim());
    if (!m) continue;
    const [, name, lab, value] = m;
    if (name === 'vllm:cache_config_info' && lab) {
      const l = labels(lab);
      const blocks = Number(l.num_gpu_blocks);
      const size = Number(l.block_size);
      if (Number.isInteger(blocks) && blocks > 0 && Number.isInteger(size) && size > 0) return blocks * size;
    }
    if (name === 'sglang:max_total_num_tokens') {
      const v = Number(value);
      if (Number.isFinite(v) && v > 0) return Math.floor(v);
    }
  }
  return undefined;
}
