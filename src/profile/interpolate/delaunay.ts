/**
 * Delaunay triangulation of scattered 2-D points in their own (unscaled) coordinates: a sweep
 * over the points sorted by x builds a triangulation, then Lawson edge flips make every edge
 * locally Delaunay. Predicates are exact, so the result is the Delaunay triangulation (unique
 * when no four points are cocircular), the one Qhull finds for SciPy.
 */
import {inCircle, orientWithin, pointSet, type PointSet} from './predicates.js';

/** Distance, relative to the largest coordinate, under which a point counts as on a line (Qhull-like). */
const COLLINEAR_RELATIVE = 2 ** -40;

export interface Triangulation {
  points: PointSet;
  /** Counter-clockwise vertex triples. */
  triangles: [number, number, number][];
  /** neighbors[t][k]: the triangle across the edge opposite vertex k of t, or -1 on the hull. */
  neighbors: [number, number, number][];
  /** Vertices joined to each vertex by an edge. */
  vertexNeighbors: number[][];
}

/** Indices sorted by (x, y); exact duplicates keep only their first occurrence. */
function sortedUnique(x: readonly number[], y: readonly number[]): number[] {
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b] || y[a] - y[b] || a - b);
  return order.filter((idx, k) => k === 0 || x[idx] !== x[order[k - 1]] || y[idx] !== y[order[k - 1]]);
}

class Mesh {
  readonly triangles: [number, number, number][] = [];
  /** Directed edge (a -> b) -> triangle holding it in counter-clockwise order. */
  private readonly edgeOwner = new Map<number, number>();

  constructor(private readonly n: number) {}

  private key(a: number, b: number): number {
    return a * this.n + b;
  }

  owner(a: number, b: number): number | undefined {
    return this.edgeOwner.get(this.key(a, b));
  }

  set(t: number, tri: [number, number, number]): void {
    this.triangles[t] = tri;
    for (let k = 0; k < 3; k++) this.edgeOwner.set(this.key(tri[k], tri[(k + 1) % 3]), t);
  }

  add(tri: [number, number, number]): void {
    this.set(this.triangles.length, tri);
  }

  unlink(a: number, b: number): void {
    this.edgeOwner.delete(this.key(a, b));
  }
}

/** Initial triangulation by sweeping the sorted points; returns null when all points are collinear. */
function sweep(p: PointSet, order: number[], mesh: Mesh): boolean {
  const scale = Math.max(...p.x.map(Math.abs), ...p.y.map(Math.abs));
  const orient = (a: number, b: number, c: number) => orientWithin(p, a, b, c, COLLINEAR_RELATIVE * scale);
  let k = 2;
  while (k < order.length && orient(order[0], order[1], order[k]) === 0) k++;
  if (k >= order.length) return false;
  const apex = order[k];
  const left = orient(order[0], order[k - 1], apex) > 0;
  for (let i = 0; i + 1 < k; i++) mesh.add(left ? [order[i], order[i + 1], apex] : [order[i + 1], order[i], apex]);
  // Counter-clockwise hull.
  let hull = left ? [...order.slice(0, k), apex] : [...order.slice(0, k).reverse(), apex];
  for (const q of order.slice(k + 1)) {
    const h = hull.length;
    const visible = hull.map((a, i) => orient(a, hull[(i + 1) % h], q) < 0);
    // The visible edges form one cyclic run; find where it starts.
    let start = visible.findIndex((v, i) => v && !visible[(i - 1 + h) % h]);
    if (start < 0) start = 0;
    let end = start;
    while (visible[end % h] && end - start < h) {
      const a = hull[end % h];
      const b = hull[(end + 1) % h];
      mesh.add([b, a, q]);
      end++;
    }
    // Vertices strictly inside the run leave the hull; q joins between its ends.
    const rotated = [...hull.slice(start), ...hull.slice(0, start)];
    const run = end - start;
    hull = [rotated[0], q, ...rotated.slice(run)];
  }
  return true;
}

/** Flip edges until every interior edge is locally Delaunay. */
function legalize(p: PointSet, mesh: Mesh): void {
  const stack: [number, number][] = [];
  for (const [a, b, c] of mesh.triangles) stack.push([a, b], [b, c], [c, a]);
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    const t1 = mesh.owner(a, b);
    const t2 = mesh.owner(b, a);
    if (t1 === undefined || t2 === undefined) continue;
    const c = mesh.triangles[t1].find((v) => v !== a && v !== b)!;
    const d = mesh.triangles[t2].find((v) => v !== a && v !== b)!;
    if (inCircle(p, a, b, c, d) <= 0) continue;
    mesh.unlink(a, b);
    mesh.unlink(b, a);
    mesh.set(t1, [a, d, c]);
    mesh.set(t2, [d, b, c]);
    stack.push([a, d], [d, b], [b, c], [c, a]);
  }
}

export function delaunay(x: readonly number[], y: readonly number[]): Triangulation {
  const points = pointSet(x, y);
  const n = x.length;
  const mesh = new Mesh(n);
  const order = sortedUnique(x, y);
  if (order.length >= 3 && sweep(points, order, mesh)) legalize(points, mesh);
  const triangles = mesh.triangles;
  const neighbors = triangles.map(([v0, v1, v2]) => [mesh.owner(v2, v1) ?? -1, mesh.owner(v0, v2) ?? -1, mesh.owner(v1, v0) ?? -1] as [number, number, number]);
  const sets = Array.from({length: n}, () => new Set<number>());
  for (const [a, b, c] of triangles) {
    sets[a].add(b).add(c);
    sets[b].add(a).add(c);
    sets[c].add(a).add(b);
  }
  return {points, triangles, neighbors, vertexNeighbors: sets.map((s) => [...s].sort((u, v) => u - v))};
}
