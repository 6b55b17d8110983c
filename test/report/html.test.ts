import {describe, expect, it} from 'vitest';
import {escapeHtml, jsonForScript, plotlySource, renderReport} from '../../src/report/html.js';
import {toCsv, objectsToCsv} from '../../src/report/csv.js';

const hostile = '<script>alert(1)</script>';

function dataBlock(html: string): unknown {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!);
}

describe('renderReport', () => {
  const html = renderReport({
    title: `Model ${hostile}`,
    meta: {model: hostile, 'x"y': "it's & <b>"},
    sections: [
      {title: hostile, figure: {data: [{x: [1, 2], y: [3, 4], name: `${hostile}</script><!--<script>`}], layout: {title: {text: hostile}}}, xGroup: 'time'},
      {title: 'second', figure: {data: [{x: [1], y: [1], name: 'b'}]}, xGroup: 'time', note: hostile},
      {title: 'text', text: `para ${hostile}\n\nsecond para`},
      {title: 'table', table: {columns: [hostile], rows: [[hostile, 1.23456789, null]]}},
      {html: '<p id="trusted">trusted</p>'},
    ],
  }).toString();

  it('escapes every caller string outside the data block', () => {
    const outside = html.replace(/<script>[\s\S]*?<\/script>/g, '').replace(/<script type="application\/json"[\s\S]*?<\/script>/, '');
    expect(outside).not.toContain('<script');
    expect(outside).not.toContain('alert(1)</');
    expect(outside).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(outside).toContain('it&#39;s &amp; &lt;b&gt;');
    expect(outside).toContain('x&quot;y');
    expect(outside).toContain('<p id="trusted">trusted</p>');
    expect(outside).toContain('<p>second para</p>');
    expect(outside).toContain('<td>1.23457</td>');
  });

  it('embeds data that cannot close its script element and parses back intact', () => {
    const specs = dataBlock(html) as Array<{id: string; data: Array<{name: string}>; layout: {title: {text: string}}; xGroup: string}>;
    expect(specs).toHaveLength(2);
    expect(specs[0]!.data[0]!.name).toBe(`${hostile}</script><!--<script>`);
    expect(specs[0]!.layout.title.text).toBe(hostile);
    expect(specs.map((s) => s.xGroup)).toEqual(['time', 'time']);
    // exactly the expected script elements: plotly, data, init
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });

  it('inlines Plotly once, and not at all without figures', () => {
    const marker = plotlySource().subarray(0, 200).toString();
    expect(html.split(marker)).toHaveLength(2);
    expect(html.length).toBeGreaterThan(4_000_000);
    const plain = renderReport({title: 't', sections: [{text: 'x'}]}).toString();
    expect(plain.length).toBeLessThan(10_000);
  });

  it('a chart box is as tall as its layout asks, so no blank band follows a short chart', () => {
    const out = renderReport({title: 't', sections: [{figure: {data: [], layout: {height: 300}}}, {figure: {data: []}}]}).toString();
    expect(out).toContain('<div class="fig" id="fig-0" style="height:300px"></div>');
    expect(out).toContain('<div class="fig" id="fig-1"></div>');
  });

  it('links figures of one group so zooming one zooms all', () => {
    expect(html).toContain("el.on('plotly_relayout'");
    expect(html).toContain('Plotly.relayout(o,upd)');
  });

  it('escape helpers', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const j = jsonForScript({s: '</script>\u2028&'});
    expect(j).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(j)).toEqual({s: '</script>\u2028&'});
  });
});

describe('csv', () => {
  it('quotes per RFC 4180 and writes booleans and missing values plainly', () => {
    expect(toCsv(['a', 'b,c'], [[1, 'x"y'], [true, null], [false, 'line\nbreak']])).toBe('a,"b,c"\n1,"x""y"\ntrue,\nfalse,"line\nbreak"\n');
    expect(objectsToCsv(['k', 'v'], [{k: 'a', v: 2}])).toBe('k,v\na,2\n');
  });
});
