/**
 * The report's stylesheet, inlined into the page's <head>: a light, print-friendly layout with
 * system fonts only (no web fonts, nothing fetched).
 */

/** CSS for the whole report page. */
export const reportCss = `
:root {
  --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --panel: #ffffff; --page: #f6f7f9;
  --accent: #0072b2; --good: #15803d; --bad: #c81e1e; --good-bg: #e8f5ec; --bad-bg: #fdecec;
}
* { box-sizing: border-box; }
html { background: var(--page); }
body {
  margin: 0 auto; max-width: 1360px; padding: 24px 28px 48px; color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', sans-serif;
}
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 24px; }
h1 { font-size: 24px; margin: 0; }
h2 { font-size: 18px; margin: 0 0 12px; }
h3 { font-size: 14px; margin: 0 0 6px; color: #374151; }
.created { color: var(--muted); }
nav { margin: 10px 0 20px; display: flex; flex-wrap: wrap; gap: 6px; }
nav a {
  color: var(--accent); text-decoration: none; padding: 3px 10px; border: 1px solid var(--line);
  border-radius: 999px; background: var(--panel); font-size: 13px;
}
nav a:hover { border-color: var(--accent); }
section {
  background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
  padding: 18px 20px; margin: 0 0 20px;
}
.note { color: var(--muted); margin: 4px 0 12px; max-width: 900px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .name { color: var(--muted); font-size: 13px; }
.card .value { font-size: 30px; font-weight: 650; letter-spacing: -0.5px; }
.card .compare { font-size: 13px; color: #374151; }
.up { color: var(--good); font-weight: 600; }
.down { color: var(--bad); font-weight: 600; }
.flat { color: var(--muted); font-weight: 600; }
.columns { display: grid; grid-template-columns: minmax(260px, 1fr) minmax(360px, 2fr); gap: 20px;
  margin-top: 16px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 12px 5px 0; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase;
  letter-spacing: 0.3px; }
td.num, th.num { text-align: right; padding-left: 12px; }
abbr { text-decoration: none; border-bottom: 1px dotted var(--muted); cursor: help; }
dl.facts { display: grid; grid-template-columns: auto 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 16px; }
figure.chart-box { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px; }
figure.chart-box figcaption { font-weight: 600; margin: 0 0 4px 4px; }
svg.chart { width: 100%; height: auto; display: block; }
.gallery { display: flex; flex-direction: column; gap: 10px; }
.query-row { display: grid; gap: 8px; align-items: start; padding: 12px 0;
  grid-template-columns: minmax(0, var(--thumb)) 6px repeat(var(--matches), minmax(0, var(--thumb)));
  border-top: 1px solid var(--line); }
.query-row:first-child { border-top: none; }
.matches { display: contents; }
.thumb { margin: 0; min-width: 0; }
.matches > :first-child { grid-column-start: 3; }
.frame { width: 100%; aspect-ratio: 1; display: flex; align-items: center;
  justify-content: center; background: #f3f4f6; border: 4px solid #cbd5e1; border-radius: 6px;
  overflow: hidden; }
.frame img { max-width: 100%; max-height: 100%; width: auto; height: auto; display: block; }
.thumb.query .frame { border-color: #374151; }
.thumb.match .frame { border-color: var(--good); }
.thumb.no-match .frame { border-color: var(--bad); }
.placeholder { width: 100%; height: 100%; display: flex; flex-direction: column;
  align-items: center; justify-content: center; gap: 4px; background: #d1d5db; color: #374151;
  font-size: 11px; text-align: center; padding: 6px; word-break: break-all; }
.placeholder b { font-size: 12px; color: #1f2937; }
.thumb figcaption { font-size: 12px; margin-top: 4px; line-height: 1.35; }
.thumb .label { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  color: #374151; }
.thumb.query .label { font-weight: 650; color: var(--ink); white-space: normal;
  overflow-wrap: anywhere; }
.mark { display: inline-block; padding: 0 6px; border-radius: 4px; font-weight: 600;
  font-size: 11px; }
.thumb.match .mark { background: var(--good-bg); color: var(--good); }
.thumb.no-match .mark { background: var(--bad-bg); color: var(--bad); }
.sim { font-variant-numeric: tabular-nums; font-weight: 600; }
.rank { color: var(--muted); }
.ap-bad { color: var(--bad); font-weight: 650; }
.ap-mid { color: #b45309; font-weight: 650; }
.ap-good { color: var(--good); font-weight: 650; }
.empty { color: var(--muted); font-style: italic; }
.query-row .empty { grid-column: 3 / -1; align-self: center; margin: 0; }
.bar { height: 10px; background: var(--accent); border-radius: 3px; min-width: 1px; }
.bar-cell { width: 260px; }
.config td:first-child { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 12.5px; color: #374151; white-space: nowrap; width: 1%; padding-right: 28px; }
.config td:last-child { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 12.5px; word-break: break-word; }
.config-columns { columns: 2 520px; column-gap: 32px; }
.config-columns table { width: 100%; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 12px; }
@media print {
  html { background: #fff; }
  section { break-inside: avoid-page; border: none; padding: 0; }
  nav { display: none; }
  .query-row { break-inside: avoid; }
}
`;
