// The chat panel's styles: one string, put in the widget's shadow root and in the guest page.
// Every rule is scoped under .db, so the guest page's own layout is untouched.
export const chatCss = `
.db{--db-accent:#245bdb;--db-ink:#1d2430;--db-muted:#5d6679;--db-line:#e4e7ec;--db-bg:#fff;--db-soft:#f3f5f8;
display:flex;flex-direction:column;height:100%;min-height:0;box-sizing:border-box;background:var(--db-bg);color:var(--db-ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;text-align:left}
.db *,.db *::before,.db *::after{box-sizing:border-box}
.db bdi{unicode-bidi:isolate}
.db-head{display:flex;align-items:center;gap:10px;padding:12px 14px;background:var(--db-accent);color:#fff}
.db-head img{width:36px;height:36px;border-radius:50%;background:#fff;flex:none}
.db-head .db-who{flex:1;min-width:0}
.db-title{font-weight:600;font-size:15px;margin:0;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.db-status{font-size:12px;min-height:1.2em}
.db-reply{font-size:12px;margin:0}
.db-reply::before{content:"";display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:5px;background:#98a2b3}
.db-reply[data-availability=online]::before{background:#12b76a}
.db-reply[data-availability=away]::before{background:#f79009}
.db-status[data-state=offline],.db-status[data-state=closed]{font-weight:600}
.db-x{background:none;border:0;color:inherit;font-size:22px;line-height:1;cursor:pointer;padding:4px 8px;border-radius:6px}
.db-x:focus-visible,.db button:focus-visible,.db input:focus-visible,.db textarea:focus-visible{outline:2px solid var(--db-accent);outline-offset:2px}
.db-x:focus-visible{outline-color:#fff}
.db-log{flex:1;min-height:0;overflow-y:auto;margin:0;padding:12px;list-style:none;display:flex;flex-direction:column;gap:6px;background:var(--db-soft)}
.db-log:focus-visible{outline:2px solid var(--db-accent);outline-offset:-2px}
.db-msg{max-width:80%;padding:7px 11px;border-radius:14px;background:#fff;border:1px solid var(--db-line);align-self:flex-start;white-space:pre-wrap;overflow-wrap:anywhere}
.db-msg.db-mine{align-self:flex-end;background:var(--db-accent);border-color:var(--db-accent);color:#fff}
.db-msg.db-pending{opacity:.65}
.db-by{display:block;font-size:11px;font-weight:600;color:var(--db-muted)}
.db-meta{display:block;font-size:11px;opacity:.75;text-align:right}
.db-mine .db-meta{opacity:.9}
.db-event,.db-hello{align-self:center;font-size:12px;color:var(--db-muted);text-align:center}
.db-note{max-width:90%;align-self:center;padding:7px 11px;border-radius:8px;background:#fff4d6;border:1px dashed #c98a00;color:#4a3400;white-space:pre-wrap;overflow-wrap:anywhere}
.db-note.db-pending{opacity:.65}
.db-note .db-by{color:#8a5a00}
.db-note-label{text-transform:uppercase;letter-spacing:.04em}
.db-offer{align-self:stretch;padding:10px 12px;border-radius:10px;background:#fff;border:1px solid var(--db-line);border-left:3px solid var(--db-accent);display:grid;gap:6px}
.db-offer p{margin:0}
.db-offer-title{font-weight:600}
.db-offer-meta,.db-offer-choose{font-size:12px;color:var(--db-muted)}
.db-offer-controls{display:grid;gap:6px}
.db-offer-controls[hidden],.db-offer-day[hidden],.db-offer-email[hidden],.db-offer-alert:empty,.db-offer-result:empty{display:none}
.db-offer-times{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px}
.db-offer-time,.db-offer-more{font:inherit;font-size:12px;padding:4px 9px;border-radius:999px;border:1px solid var(--db-line);background:#fff;color:inherit;cursor:pointer}
.db-offer-time[aria-pressed=true]{background:var(--db-ink);border-color:var(--db-ink);color:#fff}
.db-offer-row{display:flex;gap:6px;align-items:center}
.db-offer-day,.db-offer-email,.db-offer-field input:not([type=checkbox]),.db-offer-field textarea,.db-offer-field select{font:inherit;border:1px solid var(--db-line);border-radius:8px;padding:5px 8px}
.db-offer-questions{display:grid;gap:6px}
.db-offer-questions:empty{display:none}
.db-offer-field{display:flex;flex-direction:column;gap:2px;font-size:13px}
.db-offer-field label{font-weight:600}
.db-offer-field.check{flex-direction:row;flex-wrap:wrap;align-items:center;gap:6px}
.db-offer-field.check label{order:2;font-weight:400}
.db-offer-field [aria-invalid=true]{border-color:#a11919}
.db-offer-field-error{color:#a11919;font-size:12px;flex-basis:100%;order:3}
.db-offer-field-error:empty{display:none}
.db-offer-book{font:inherit;font-weight:600;justify-self:start;padding:6px 14px;border:0;border-radius:8px;background:var(--db-accent);color:#fff;cursor:pointer}
.db-offer-book:disabled{opacity:.5;cursor:default}
.db-offer-alert{color:#a11919;font-size:12px}
.db-offer-none{font-size:12px;color:var(--db-muted)}
.db-offer-result{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.db-offer-when{font-weight:600;flex-basis:100%}
.db-offer-join,.db-offer-page{color:var(--db-accent);font-size:13px}
.db-modes{border:0;margin:0;padding:0;min-width:0}
.db-modes>div{display:flex;gap:4px}
.db-modes[hidden]{display:none}
.db-lock{vertical-align:-1px}
.db-modes label{display:flex;align-items:center;gap:4px;font-size:12px;font-weight:600;padding:3px 10px;border-radius:999px;border:1px solid var(--db-line);cursor:pointer}
.db-modes label:has(input:checked){background:var(--db-ink);color:#fff;border-color:var(--db-ink)}
.db-modes .db-mode-note:has(input:checked){background:#c98a00;border-color:#c98a00}
.db-modes input,.db-form .db-modes input{flex:none;width:auto;margin:0;padding:0;border:0}
.db-modes .db-mode-note:has(input:checked) .db-lock{filter:brightness(0) invert(1)}
.db-modes input:focus-visible{outline:2px solid var(--db-accent);outline-offset:2px}
.db-note-mode textarea{background:#fff4d6;border-color:#c98a00}
.db-note-mode .db-send{background:#c98a00}
.db-typing{min-height:20px;padding:0 14px;font-size:12px;color:var(--db-muted);background:var(--db-soft)}
.db-form{display:flex;flex-direction:column;gap:6px;padding:10px;border-top:1px solid var(--db-line)}
.db-form[hidden],.db-intro[hidden],.db-alert:empty{display:none}
.db-intro{display:flex;flex-wrap:wrap;gap:6px}
.db-ask{flex-basis:100%;margin:0;font-size:12px;color:#475467}
.db-ask[hidden]{display:none}
.db-prechat{border:0;margin:0;padding:0;display:grid;gap:6px}
.db-prechat[hidden]{display:none}
.db-field{display:grid;gap:2px;font-size:12px}
.db-field label{font-weight:600}
.db-optional{font-weight:400;color:var(--db-muted)}
.db-form select{font:inherit;color:inherit;background:#fff;border:1px solid var(--db-line);border-radius:8px;padding:7px 8px;margin:0}
.db-form [aria-invalid=true]{border-color:#a11919}
.db select:focus-visible{outline:2px solid var(--db-accent);outline-offset:2px}
.db-hint{margin:0;color:#a11919;font-size:12px}
.db-hint:empty{display:none}
.db-form input,.db-form textarea{flex:1;min-width:0;font:inherit;color:inherit;background:#fff;border:1px solid var(--db-line);border-radius:8px;padding:8px 10px;margin:0}
.db-form textarea{resize:none;height:40px}
.db-row{display:flex;gap:6px;align-items:flex-end}
.db-send{font:inherit;font-weight:600;border:0;border-radius:8px;padding:9px 14px;background:var(--db-accent);color:#fff;cursor:pointer}
.db-send:disabled{opacity:.5;cursor:default}
.db-alert{margin:0 10px 8px;padding:6px 10px;border-radius:6px;background:#fdecec;color:#a11919;font-size:12px}
.db-rate{display:flex;flex-direction:column;gap:6px;padding:10px;border-top:1px solid var(--db-line);background:#fff}
.db-rate[hidden],.db-rated[hidden]{display:none}
.db-stars{border:0;margin:0;padding:0;min-width:0}
.db-stars legend{font-weight:600;padding:0;margin-bottom:2px}
.db-stars>div{display:flex;gap:2px}
.db-stars label{position:relative;font-size:26px;line-height:1;color:#d0d5dd;cursor:pointer;padding:0 2px;border-radius:4px}
.db-stars label.db-on{color:#f5a524}
.db-stars label:has(input:focus-visible){outline:2px solid var(--db-accent)}
.db-rate input[name=comment]{flex:1;min-width:0;font:inherit;color:inherit;background:#fff;border:1px solid var(--db-line);border-radius:8px;padding:8px 10px;margin:0}
.db-rated{margin:0;padding:10px 14px;border-top:1px solid var(--db-line);background:#ecfdf3;color:#05603a;font-weight:600;text-align:center}
.db-attach{flex:none;display:grid;place-items:center;width:40px;height:40px;padding:0;border:1px solid var(--db-line);border-radius:8px;background:#fff;color:var(--db-muted);cursor:pointer}
.db-attach:hover{color:var(--db-accent)}
.db-attach:disabled{opacity:.4;cursor:default}
.db-tray,.db-uploads{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:6px}
.db-tray:empty{display:none}
.db-staged{display:flex;align-items:center;gap:6px;max-width:100%;padding:3px 4px 3px 10px;border:1px solid var(--db-line);border-radius:999px;background:var(--db-soft);font-size:12px}
.db-file-name{min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-weight:600}
.db-file-meta{flex:none;font-size:11px;opacity:.8}
.db-unstage{flex:none;border:0;background:none;color:inherit;font-size:16px;line-height:1;padding:0 6px;border-radius:50%;cursor:pointer}
.db-uploads{flex-direction:column;margin-top:4px;white-space:normal}
.db-uploads li{display:flex;flex-direction:column;font-size:12px}
.db-uploads progress{-webkit-appearance:none;appearance:none;width:100%;height:6px;border:0;border-radius:3px;background:rgba(255,255,255,.35);overflow:hidden}
.db-uploads progress::-webkit-progress-bar{background:rgba(255,255,255,.35)}
.db-uploads progress::-webkit-progress-value{background:#fff}
.db-uploads progress::-moz-progress-bar{background:#fff}
.db-files{display:flex;flex-direction:column;align-items:flex-start;gap:6px;margin-top:4px;white-space:normal}
.db-thumb{display:block;max-width:100%;border-radius:8px;overflow:hidden;background:var(--db-soft);line-height:0}
.db-thumb img{display:block;max-width:100%;max-height:220px;width:auto;height:auto}
.db-file{display:flex;flex-direction:column;max-width:100%;min-width:140px;padding:6px 10px 6px 34px;border-radius:8px;border:1px solid var(--db-line);background:#fff var(--db-doc) 8px center/18px no-repeat;color:var(--db-ink);text-decoration:none}
.db-file:hover .db-file-name{text-decoration:underline}
.db-thumb:focus-visible,.db-file:focus-visible{outline:2px solid var(--db-accent);outline-offset:2px}
.db-mine .db-thumb:focus-visible,.db-mine .db-file:focus-visible{outline-color:var(--db-ink)}
.db{position:relative;--db-doc:url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24'%3E%3Cpath d='M6 2h8l5 5v15H6z' fill='%23eef2f7' stroke='%23667085' stroke-width='1.5'/%3E%3Cpath d='M14 2v5h5' fill='none' stroke='%23667085' stroke-width='1.5'/%3E%3C/svg%3E")}
.db-dropping::after{content:attr(data-drop);position:absolute;inset:8px;display:grid;place-items:center;border:2px dashed var(--db-accent);border-radius:12px;background:rgba(255,255,255,.92);color:var(--db-accent);font-weight:600;pointer-events:none}
.db-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){.db-intro{flex-direction:column}}
.db-status[data-state=problem]{font-weight:600}
.db-allow{margin:0 10px 8px;padding:8px 10px;border-radius:6px;background:#fff4e0;color:#6b4400;font-size:12px;overflow-wrap:anywhere}
.db-allow[hidden]{display:none}
`;
