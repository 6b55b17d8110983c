import {badInput} from '../../errors.js';

export type Dtype = 'bf16' | 'fp8' | 'fp4';

/**
 * One GPU system as the synthetic model sees it. Constants follow AIConfigurator's system YAMLs
 * (reference/aic/system_specs.csv): dense tensor-core peaks, HBM, NVLink per GPU (one direction).
 */
export interface GpuSpec {
  name: string;
  label: string;
  /** HBM bandwidth, bytes/s. */
  memBwBps: number;
  /** HBM capacity, bytes. */
  memCapacityB: number;
  /** Dense tensor-core peak per dtype, FLOP/s (absent when the chip has no such path). */
  flops: Partial<Record<Dtype, number>>;
  /** NVLink (or PCIe for cards without NVLink) bandwidth per GPU, one direction, bytes/s. */
  intraNodeBwBps: number;
  /** Bandwidth per GPU between nodes, bytes/s. */
  interNodeBwBps: number;
  gpusPerNode: number;
  /** Memory-bound element-wise ops reach this fraction of memBwBps (AIC: 0.8). */
  memBwScaling: number;
  /** Fixed cost of one memory-bound element-wise kernel, s (AIC: 3 us). */
  memConstLatencyS: number;
  /** Memory the runtime keeps outside weights, activations and KV (CUDA context, graphs), bytes. */
  otherMemB: number;
}

const GiB = 1024 ** 3;
const T = 1e12;

function gpu(
  name: string,
  label: string,
  memBwTBps: number,
  memGiB: number,
  flopsT: Partial<Record<Dtype, number>>,
  intraGBps: number,
  interGBps: number,
  gpusPerNode: number,
): GpuSpec {
  const flops: Partial<Record<Dtype, number>> = {};
  for (const [k, v] of Object.entries(flopsT)) flops[k as Dtype] = v * T;
  return {
    name,
    label,
    memBwBps: memBwTBps * T,
    memCapacityB: memGiB * GiB,
    flops,
    intraNodeBwBps: intraGBps * 1e9,
    interNodeBwBps: interGBps * 1e9,
    gpusPerNode,
    memBwScaling: 0.8,
    memConstLatencyS: 3e-6,
    otherMemB: 3.5 * GiB,
  };
}

/** The GPUs the synthetic model knows (AIC system constants; fp8 absent on A100 = no FP8 path). */
export const GPUS: readonly GpuSpec[] = [
  gpu('h100_sxm', 'NVIDIA H100 SXM 80GB', 3.35, 80, {bf16: 989, fp8: 1978}, 450, 50, 8),
  gpu('h100_pcie', 'NVIDIA H100 PCIe 80GB', 2.0, 80, {bf16: 756.5, fp8: 1513}, 64, 50, 8),
  gpu('h200_sxm', 'NVIDIA H200 SXM 141GB', 4.8, 141, {bf16: 989, fp8: 1978}, 450, 50, 8),
  gpu('b200_sxm', 'NVIDIA B200 SXM 180GB', 7.7, 180, {bf16: 2250, fp8: 4500, fp4: 9000}, 900, 100, 8),
  gpu('b300_sxm', 'NVIDIA B300 SXM 268GB', 7.75, 268.6, {bf16: 2250, fp8: 4500, fp4: 14000}, 900, 100, 8),
  gpu('gb200', 'NVIDIA GB200 NVL72 (per GPU)', 8.0, 185.03, {bf16: 2500, fp8: 5000, fp4: 10000}, 900, 900, 4),
  gpu('gb300', 'NVIDIA GB300 NVL72 (per GPU)', 8.0, 277.5, {bf16: 2500, fp8: 5000, fp4: 15000}, 900, 900, 4),
  gpu('a100_sxm', 'NVIDIA A100 SXM 80GB', 2.039, 80, {bf16: 312}, 300, 25, 8),
  gpu('a100_pcie', 'NVIDIA A100 PCIe 80GB', 1.935, 80, {bf16: 312}, 32, 25, 8),
  gpu('l40s', 'NVIDIA L40S 48GB', 0.864, 44.99, {bf16: 362.05, fp8: 733}, 32, 50, 8),
  gpu('l4', 'NVIDIA L4 24GB', 0.3, 24, {bf16: 121, fp8: 242}, 32, 25, 8),
];

/** The system whose measurements the efficiency curves were fitted on. */
export const REFERENCE_GPU = 'h200_sxm';

export function gpuNames(): string[] {
  return GPUS.map((g) => g.name);
}

/** Find a GPU by name (case-insensitive, '-' and '_' interchangeable). */
export function resolveGpu(name: string): GpuSpec {
  const key = name.trim().toLowerCase().replace(/-/g, '_');
  const found = GPUS.find((g) => g.name === key) ?? GPUS.find((g) => g.name === `${key}_sxm`);
  if (!found) throw badInput(`unknown GPU "${name}"`, `valid GPUs: ${gpuNames().join(', ')}`);
  return found;
}

/** Peak FLOP/s for a dtype; fp8 on a chip without it runs at the bf16 rate (weight-only upcast). */
export function peakFlops(g: GpuSpec, dtype: Dtype): number {
  const v = g.flops[dtype];
  if (v !== undefined) return v;
  if (dtype === 'fp4' && g.flops.fp8 !== undefined) return g.flops.fp8;
  return g.flops.bf16 as number;
}
