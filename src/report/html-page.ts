// The self-contained HTML page of `fathom inspect-text`: the text with each token
// coloured by its surprisal (how unexpected the model found it), the model's
// alternatives on hover, and an attention heatmap per layer and head. Hovering or
// clicking a token also shades the tokens it attended to. No external resources.
import type { TextReportData } from './text-report.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderTextReport(data: TextReportData): string {
  // JSON inside <script>: "<" escaped so no "</script>" in a token can end the element.
  const json = JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.model)} · fathom inspect-text</title>
<style>
  :root { --bg: #f7f7f5; --panel: #fff; --ink: #1d1d1f; --muted: #6b6b70; --line: #e3e3e0; --accent: #2456d6; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; background: var(--bg); color: var(--ink); }
  header { padding: 18px 28px 10px; display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 28px; }
  header h1 { font-size: 18px; margin: 0; font-weight: 650; }
  header .stat { color: var(--muted); }
  header .stat b { color: var(--ink); font-weight: 600; }
  main { display: grid; grid-template-columns: minmax(320px, 1fr) minmax(320px, 560px); gap: 18px; padding: 8px 28px 28px; }
  section { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; }
  h2 { font-size: 12px; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); margin: 0 0 10px; font-weight: 600; }
  #tokens { font: 16px/2.1 ui-monospace, "SF Mono", Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; }
  .token { border-radius: 3px; padding: 1px 0; cursor: pointer; position: relative; box-shadow: inset 0 -2px 0 var(--att, transparent); transition: box-shadow .08s; }
  .token:hover, .token.selected { outline: 2px solid var(--accent); outline-offset: 0; }
  .token.special { color: var(--muted); font-style: italic; }
  .legend { display: flex; align-items: center; gap: 8px; margin-top: 14px; color: var(--muted); font-size: 12px; }
  .legend .ramp { width: 180px; height: 10px; border-radius: 5px; background: linear-gradient(90deg, ${[0, 2, 4, 6, 8, 10, 12].map((b) => surprisalColour(b)).join(', ')}); border: 1px solid var(--line); }
  .controls { display: flex; gap: 12px; align-items: center; margin-bottom: 12px; flex-wrap: wrap; }
  select { font: inherit; padding: 3px 6px; border-radius: 6px; border: 1px solid var(--line); background: #fff; }
  #heatmap { width: 100%; image-rendering: pixelated; border: 1px solid var(--line); border-radius: 6px; cursor: crosshair; }
  #cell { min-height: 1.5em; color: var(--muted); font-size: 13px; margin-top: 6px; }
  #tip { position: fixed; z-index: 10; pointer-events: none; background: #1d1d1f; color: #fff; border-radius: 8px; padding: 10px 12px; font-size: 13px; min-width: 220px; box-shadow: 0 6px 24px rgba(0,0,0,.25); display: none; }
  #tip .t { font: 14px ui-monospace, Menlo, monospace; background: rgba(255,255,255,.12); padding: 0 4px; border-radius: 3px; white-space: pre; }
  #tip table { border-collapse: collapse; margin-top: 6px; width: 100%; }
  #tip td { padding: 1px 4px; font: 12px ui-monospace, Menlo, monospace; white-space: pre; }
  #tip .bar { height: 6px; background: #7aa2ff; border-radius: 3px; }
  footer { color: var(--muted); font-size: 12px; padding: 0 28px 20px; }
  @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header>
  <h1>${escapeHtml(data.model)}</h1>
  <span class="stat"><b id="n-tokens"></b> tokens</span>
  <span class="stat">perplexity <b id="ppl"></b></span>
  <span class="stat">mean surprisal <b id="mean-bits"></b> bits</span>
</header>
<main>
  <section>
    <h2>Text, coloured by surprisal</h2>
    <div id="tokens"></div>
    <div class="legend"><span>expected</span><span class="ramp"></span><span>surprising (12+ bits)</span></div>
    <div class="legend">Hover a token for the model's alternatives; hover or click it to shade what it attended to (underline) in the chosen layer and head.</div>
  </section>
  <section>
    <h2>Attention</h2>
    <div class="controls">
      <label>layer <select id="layer"></select></label>
      <label>head <select id="head"></select></label>
    </div>
    <canvas id="heatmap"></canvas>
    <div id="cell">rows: query tokens · columns: the tokens they attend to</div>
  </section>
</main>
<footer>Made by fathom-llm's <code>inspect-text</code>. Surprisal is −log₂ p(token | everything before it); the first token is not scored.</footer>
<div id="tip"></div>
<script id="report-data" type="application/json">${json}</script>
<script>
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const n = data.tokens.length, H = data.heads;
  const attention = data.attention.map((b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  const colour = ${surprisalColour.toString()};
  const show = (s) => s.replace(/\\n/g, '\\u21b5\\n');
  const scored = data.tokens.filter((t) => t.surprisal !== null);
  document.getElementById('n-tokens').textContent = n;
  document.getElementById('ppl').textContent = data.perplexity.toFixed(3);
  document.getElementById('mean-bits').textContent = (scored.reduce((s, t) => s + t.surprisal, 0) / Math.max(1, scored.length)).toFixed(2);

  const box = document.getElementById('tokens');
  const spans = data.tokens.map((t, i) => {
    const span = document.createElement('span');
    span.className = 'token' + (t.control ? ' special' : '');
    span.textContent = t.text;
    span.dataset.index = i;
    if (t.surprisal !== null) span.style.background = colour(t.surprisal);
    box.appendChild(span);
    return span;
  });

  const layerSelect = document.getElementById('layer'), headSelect = document.getElementById('head');
  data.layers.forEach((l, i) => layerSelect.add(new Option(String(l), String(i))));
  headSelect.add(new Option('mean of all', '-1'));
  for (let h = 0; h < H; h++) headSelect.add(new Option(String(h), String(h)));
  layerSelect.value = String(data.layers.length - 1);

  // Attention of query q over keys, for the chosen layer and head (or the mean of the heads).
  const row = (q) => {
    const a = attention[+layerSelect.value], h = +headSelect.value, out = new Float32Array(n);
    const heads = h < 0 ? [...Array(H).keys()] : [h];
    for (const hh of heads) for (let k = 0; k < n; k++) out[k] += a[(hh * n + q) * n + k] / 255 / heads.length;
    return out;
  };

  const canvas = document.getElementById('heatmap');
  canvas.width = canvas.height = n;
  const ctx = canvas.getContext('2d');
  let selected = -1, hovered = -1;
  const draw = () => {
    const image = ctx.createImageData(n, n);
    for (let q = 0; q < n; q++) {
      const r = row(q);
      for (let k = 0; k < n; k++) {
        const v = Math.sqrt(r[k]), o = (q * n + k) * 4;
        const focus = q === (hovered >= 0 ? hovered : selected);
        image.data[o] = 255 - v * 219; image.data[o + 1] = 255 - v * 169; image.data[o + 2] = 255 - v * 41;
        if (focus) { image.data[o] = Math.max(0, image.data[o] - 40); image.data[o + 1] = Math.max(0, image.data[o + 1] - 20); }
        image.data[o + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
  };
  const shade = () => {
    const q = hovered >= 0 ? hovered : selected;
    const r = q >= 0 ? row(q) : null;
    spans.forEach((s, k) => s.style.setProperty('--att', r && r[k] > 0.01 ? 'rgba(36, 86, 214,' + Math.min(1, 0.15 + r[k] * 1.6).toFixed(2) + ')' : 'transparent'));
    draw();
  };
  layerSelect.onchange = headSelect.onchange = shade;

  const tip = document.getElementById('tip');
  const place = (e) => { tip.style.left = Math.min(innerWidth - 260, e.clientX + 14) + 'px'; tip.style.top = (e.clientY + 16) + 'px'; };
  box.addEventListener('mouseover', (e) => {
    const i = e.target.dataset?.index;
    if (i === undefined) return;
    hovered = +i;
    const t = data.tokens[hovered];
    const esc = (s) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
    tip.innerHTML = '<span class="t">' + esc(show(t.text)) + '</span> ' +
      (t.probability === null ? '<div>first token: not scored</div>' :
        '<div>p = ' + t.probability.toPrecision(3) + ' · ' + t.surprisal.toFixed(2) + ' bits</div><table>' +
        t.top.map((a) => '<tr><td>' + esc(show(a.text)) + '</td><td style="width:90px"><div class="bar" style="width:' + Math.max(2, a.probability * 90).toFixed(0) + 'px"></div></td><td>' + a.probability.toFixed(3) + '</td></tr>').join('') + '</table>');
    tip.style.display = 'block';
    place(e);
    shade();
  });
  box.addEventListener('mousemove', place);
  box.addEventListener('mouseout', () => { hovered = -1; tip.style.display = 'none'; shade(); });
  box.addEventListener('click', (e) => {
    const i = e.target.dataset?.index;
    if (i === undefined) return;
    spans[selected]?.classList.remove('selected');
    selected = selected === +i ? -1 : +i;
    spans[selected]?.classList.add('selected');
    shade();
  });
  canvas.addEventListener('mousemove', (e) => {
    const rect = canvas.getBoundingClientRect();
    const q = Math.floor((e.clientY - rect.top) / rect.height * n), k = Math.floor((e.clientX - rect.left) / rect.width * n);
    if (q < 0 || k < 0 || q >= n || k >= n) return;
    document.getElementById('cell').textContent = JSON.stringify(show(data.tokens[q].text)) + ' → ' + JSON.stringify(show(data.tokens[k].text)) + ': ' + row(q)[k].toFixed(3);
  });
  shade();
  document.body.dataset.ready = 'true';
})();
</script>
</body>
</html>
`;
}

// White for expected tokens through amber to deep red at 12+ bits (used in the page too).
function surprisalColour(bits: number): string {
  const t = Math.min(1, Math.max(0, bits / 12));
  const hue = 48 - 48 * t;
  const light = 97 - 45 * t;
  return `hsl(${hue.toFixed(0)}, ${(70 + 25 * t).toFixed(0)}%, ${light.toFixed(0)}%)`;
}
