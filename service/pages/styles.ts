/** The one stylesheet of the self-service pages, served from /static so the CSP needs no inline style. */
export const STYLESHEET = `
:root { color-scheme: light; --ink:#0f172a; --muted:#475569; --line:#cbd5e1; --brand:#1d4ed8; --brand-dark:#1e3a8a; --bad:#b91c1c; --bg:#f1f5f9; }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
a { color:var(--brand); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline:3px solid #f59e0b; outline-offset:2px; }
.skip { position:absolute; left:-999px; } .skip:focus { left:8px; top:8px; background:#fff; padding:8px; }
header { background:var(--brand-dark); color:#fff; padding:12px 24px; }
header .brand { font-weight:700; letter-spacing:.02em; color:#fff; text-decoration:none; }
main { max-width:480px; margin:32px auto; background:#fff; border:1px solid var(--line); border-radius:10px; padding:28px 32px; }
h1 { font-size:1.5rem; margin:0 0 16px; }
p { margin:0 0 14px; }
.field { margin:0 0 18px; }
label { display:block; font-weight:600; margin-bottom:4px; }
input[type=text], input[type=email], input[type=password], select { width:100%; font:inherit; padding:9px 10px; border:1px solid #94a3b8; border-radius:6px; }
input[aria-invalid=true] { border-color:var(--bad); border-width:2px; }
.hint { color:var(--muted); font-size:.9rem; margin:4px 0 0; }
.error { color:var(--bad); font-weight:600; font-size:.95rem; margin:4px 0 0; }
.summary { border:2px solid var(--bad); border-radius:8px; padding:10px 14px; margin:0 0 18px; }
.summary h2 { font-size:1rem; margin:0 0 6px; color:var(--bad); }
.notice { background:#eff6ff; border:1px solid #bfdbfe; border-radius:8px; padding:10px 14px; margin:0 0 18px; }
button { font:inherit; font-weight:600; background:var(--brand); color:#fff; border:0; border-radius:6px; padding:10px 18px; cursor:pointer; }
button.link { background:none; color:var(--brand); padding:0; text-decoration:underline; font-weight:400; }
.links { display:flex; gap:18px; margin-top:18px; flex-wrap:wrap; }
ul.products { list-style:none; padding:0; margin:0 0 18px; } ul.products li { margin:0 0 8px; }
ul.products a { display:block; border:1px solid var(--line); border-radius:8px; padding:12px 14px; text-decoration:none; font-weight:600; }
footer { text-align:center; color:var(--muted); font-size:.85rem; margin:0 0 32px; }
`;
