/**
 * Self-contained HTML reports: Plotly inlined once, every caller string HTML-escaped, data
 * embedded as JSON inside `<script type="application/json">` with `<`, `>`, `&`, U+2028 and
 * U+2029 written as \u escapes (so `</script>` or `<!--` in data cannot end or alter the block),
 * read back with JSON.parse. Figures in the same `xGroup` zoom and pan together.
 */
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';

export interface Figure {
  /** Plotly traces. */
  data: unknown[];
  /** Plotly layout. */
  layout?: Record<string, unknown>;
}

export type Section =
  | {title?: string; figure: Figure; /** Figures sharing a group share their x range (zoom one, zoom all). */ xGroup?: string; note?: string}
  | {title?: string; text: string}
  | {title?: string; table: {columns: string[]; rows: Array<Array<string | number | null>>}}
  /** Trusted markup written by the caller, who must escape any data in it (use `escapeHtml`). */
  | {title?: string; html: string};

export interface ReportInput {
  title: string;
  sections: Section[];
  /** Key/value facts shown under the title (inputs, versions, totals). */
  meta?: Record<string, string | number | boolean | null | undefined>;
}

const ESCAPES: Record<string, string> = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};

export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** JSON safe to place inside a `<script>` element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

let plotlyCache: Buffer | undefined;

/** Whether `bytes` contain `</script`, in any letter case (what would end an inline script). */
function hasScriptEnd(bytes: Buffer): boolean {
  for (let i = bytes.indexOf('</'); i >= 0; i = bytes.indexOf('</', i + 1)) {
    if (bytes.toString('latin1', i + 2, i + 8).toLowerCase() === 'script') return true;
  }
  return false;
}

/**
 * The Plotly bundle's bytes (UTF-8, 4.8 MB: kept as bytes, as decoding and re-encoding them took
 * tens of ms per report), checked so it cannot close its own `<script>` element.
 */
export function plotlySource(): Buffer {
  if (plotlyCache === undefined) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('plotly.js-dist-min/plotly.min.js');
    const src = readFileSync(file);
    if (hasScriptEnd(src)) throw new Error(`${file} contains "</script": cannot inline it`);
    // "<!--" followed later by "<script" would switch the HTML parser into a script-escape state.
    const parts: Buffer[] = [];
    let from = 0;
    for (let i = src.indexOf('<!--'); i >= 0; i = src.indexOf('<!--', i + 4)) {
      parts.push(src.subarray(from, i + 1), Buffer.from('\\'));
      from = i + 1;
    }
    parts.push(src.subarray(from));
    plotlyCache = Buffer.concat(parts);
  }
  return plotlyCache;
}

function fmt(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return String(v);
}

const STYLE = `body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1200px;color:#222;padding:0 16px}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:.9em}
th{background:#f4f4f4}.meta td:first-child{font-weight:600}.fig{width:100%;height:460px}.note{color:#555;font-size:.9em}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85em;background:#fafafa;padding:8px;border:1px solid #eee}`;

const SCRIPT = `(function(){
var specs=JSON.parse(document.getElementById('report-data').textContent);
var groups={};var busy=false;
specs.forEach(function(s){
  var el=document.getElementById(s.id);
  // a figure's margin keys override the defaults one by one
  var base={margin:{t:30,r:70,b:110,l:70},hovermode:'x unified'};
  var layout=Object.assign({},base,s.layout||{});
  layout.margin=Object.assign({},base.margin,(s.layout||{}).margin||{});
  // the legend hangs 60 px under the plot (below tick labels and axis title, whatever the chart's
  // height), where the toolbar (top right) cannot cover it
  var plotPx=Math.max(50,(layout.height||el.clientHeight||460)-layout.margin.t-layout.margin.b);
  if(!layout.legend)layout.legend={orientation:'h',x:0,y:-60/plotPx,yanchor:'top'};
  Plotly.newPlot(el,s.data,layout,{responsive:true,displaylogo:false});
  if(s.xGroup){(groups[s.xGroup]=groups[s.xGroup]||[]).push(el);
    el.on('plotly_relayout',function(ev){
      if(busy)return;var upd=null;
      if(ev['xaxis.range[0]']!==undefined)upd={'xaxis.range':[ev['xaxis.range[0]'],ev['xaxis.range[1]']]};
      else if(Array.isArray(ev['xaxis.range']))upd={'xaxis.range':ev['xaxis.range'].slice()};
      else if(ev['xaxis.autorange'])upd={'xaxis.autorange':true};
      if(!upd)return;busy=true;
      var others=groups[s.xGroup].filter(function(o){return o!==el;});
      Promise.all(others.map(function(o){return Plotly.relayout(o,upd);})).then(function(){busy=false;},function(){busy=false;});
    });}
});
document.body.setAttribute('data-plots-ready',String(specs.length));
})();`;

/** Render a report to the UTF-8 bytes of one HTML file. */
export function renderReport(input: ReportInput): Buffer {
  const parts: string[] = [];
  const specs: Array<{id: string; data: unknown[]; layout?: Record<string, unknown>; xGroup?: string}> = [];
  parts.push(`<h1>${escapeHtml(input.title)}</h1>`);
  const meta = Object.entries(input.meta ?? {}).filter(([, v]) => v !== undefined);
  if (meta.length > 0) {
    parts.push('<table class="meta">' + meta.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(fmt(v))}</td></tr>`).join('') + '</table>');
  }
  input.sections.forEach((s, i) => {
    parts.push('<section>');
    if (s.title !== undefined) parts.push(`<h2>${escapeHtml(s.title)}</h2>`);
    if ('figure' in s) {
      const id = `fig-${i}`;
      specs.push({id, data: s.figure.data, layout: s.figure.layout, xGroup: s.xGroup});
      // the box is as tall as the chart asks (else the 460 px default), so no blank band follows a short chart
      const heightPx = s.figure.layout?.height;
      parts.push(`<div class="fig" id="${id}"${typeof heightPx === 'number' && heightPx > 0 ? ` style="height:${heightPx}px"` : ''}></div>`);
      if (s.note !== undefined) parts.push(`<p class="note">${escapeHtml(s.note)}</p>`);
    } else if ('text' in s) {
      parts.push(s.text.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p)}</p>`).join(''));
    } else if ('table' in s) {
      const head = s.table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
      const body = s.table.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(fmt(c))}</td>`).join('')}</tr>`).join('');
      parts.push(`<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`);
    } else {
      parts.push(s.html);
    }
    parts.push('</section>');
  });
  const head = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(input.title)}</title><style>${STYLE}</style></head>
<body>
${parts.join('\n')}
`;
  const tail = `<script type="application/json" id="report-data">${jsonForScript(specs)}</script>
<script>${specs.length > 0 ? SCRIPT : ''}</script>
</body></html>
`;
  const plotly = specs.length > 0 ? [Buffer.from('<script>'), plotlySource(), Buffer.from('</script>\n')] : [];
  return Buffer.concat([Buffer.from(head), ...plotly, Buffer.from(tail)]);
}
