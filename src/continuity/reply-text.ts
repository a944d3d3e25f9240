/**
 * The new text of an email reply (C12): what the person typed, without the history their
 * mail client quoted under it, its "On … wrote:" line, forwarded headers, or their
 * signature. Mail clients mark these differently and in the writer's language; the rules
 * below cover Gmail, Outlook (desktop, web and mobile), Apple Mail, Thunderbird and the
 * usual mobile signatures, in English, French, German, Spanish, Italian, Dutch, Portuguese,
 * Polish, Russian, Chinese and Japanese.
 */

/** The line continuity emails start with; a reply is cut at it wherever the client quoted it. */
export const REPLY_ABOVE_MARKER = 'Reply above this line';

/** "On <date>, <someone> wrote:" in several languages; the line may be wrapped over up to three lines. */
const ATTRIBUTION = [
  /^On\b.{0,300}\bwrote:$/i,
  /^Le\b.{0,300}\ba écrit ?:$/i,
  /^Am\b.{0,300}\bschrieb\b.{0,200}:$/i,
  /^El\b.{0,300}\bescribió:$/i,
  /^Il\b.{0,300}\bha scritto:$/i,
  /^Op\b.{0,300}\bschreef\b.{0,200}:$/i,
  /^Em\b.{0,300}\bescreveu:$/i,
  /^W dniu\b.{0,300}\b(napisał|napisała|pisze)\b.{0,100}:$/i,
  /^.{1,300}(написал|написала|написал\(а\)):$/i,
  /^(在|於).{0,300}(写道|寫道)[:：]$/,
  /^.{1,300}が書きました[:：]$/,
];

/** Outlook's separators above a forwarded header block. */
const SEPARATOR = [
  /^_{10,}$/,
  /^-{2,} ?(Original Message|Message d'origine|Ursprüngliche Nachricht|Mensaje original|Messaggio originale|Oorspronkelijk bericht|Mensagem original|Wiadomość oryginalna|Исходное сообщение) ?-{2,}$/i,
  /^(-{2,} ?Forwarded message ?-{2,}|Begin forwarded message:|Début du message réexpédié :)$/i,
];

/** Outlook writes the quoted message's headers as lines ("From: … Sent: … To: … Subject: …"). */
const FROM_HEADER = /^\*?(From|De|Von|Da|Van|Od|От|差出人|发件人|寄件者)\s?\*?\s?[:：]/i;
const DATE_HEADER = /^\*?(Sent|Date|Envoyé|Gesendet|Datum|Enviado|Enviada|Fecha|Inviato|Data|Verzonden|Wysłano|Отправлено|送信日時|发送时间|寄件日期)\s?\*?\s?[:：]/i;
const TO_OR_SUBJECT = /^\*?(To|À|A|An|Para|Aan|Do|Кому|宛先|收件人|Subject|Objet|Betreff|Asunto|Oggetto|Onderwerp|Assunto|Temat|Тема|件名|主题|主旨)\s?\*?\s?[:：]/i;

/** What phones and mail apps append as a signature. */
const SIGNATURE = [
  /^(Sent from my |Sent from Mail for Windows|Sent from Outlook|Get Outlook for |Envoyé de mon |Envoyé depuis |Von meinem .{1,40} gesendet|Enviado desde mi |Enviado do meu |Inviato da )/i,
];

const isQuoted = (line: string): boolean => /^\s*>/.test(line);

function attributionAt(lines: readonly string[], i: number): boolean {
  // Every client's attribution starts on a line with a date or an address in it, and a
  // wrapped one has no blank line inside.
  if (!/[0-9@]/.test(lines[i]!)) return false;
  let joined = '';
  for (let j = i; j < Math.min(lines.length, i + 3); j++) {
    if (isQuoted(lines[j]!) || !lines[j]!.trim()) return false;
    joined = `${joined} ${lines[j]!.trim()}`.trim();
    if (ATTRIBUTION.some((pattern) => pattern.test(joined))) return true;
  }
  return false;
}

function headerBlockAt(lines: readonly string[], i: number): boolean {
  if (!FROM_HEADER.test(lines[i]!.trim())) return false;
  const next = lines.slice(i + 1, i + 6).map((l) => l.trim());
  return next.some((l) => DATE_HEADER.test(l)) && next.some((l) => TO_OR_SUBJECT.test(l));
}

/** Where the quoted history or the signature begins: the first line that is not the person's own text. */
function cutAt(lines: readonly string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.includes(REPLY_ABOVE_MARKER)) return i;
    // "-- " is the standard signature delimiter; clients that trim trailing spaces leave "--".
    if (line === '--' || SEPARATOR.some((p) => p.test(line)) || SIGNATURE.some((p) => p.test(line))) return i;
    if (attributionAt(lines, i) || headerBlockAt(lines, i)) return i;
  }
  return lines.length;
}

/**
 * The text the person wrote above (or between) the quoted lines. Lines starting with ">"
 * are quotes wherever they are, so an answer written between quoted lines keeps only the
 * answer. Returns "" when nothing is left.
 */
export function replyText(body: string): string {
  const lines = body.replace(/\r\n?/g, '\n').replace(/\u00a0/g, ' ').split('\n');
  const own = lines.slice(0, cutAt(lines)).filter((line) => !isQuoted(line)).map((line) => line.trimEnd());
  return own.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const OPEN_QUOTE = '\u0000quote-open\u0000';
const CLOSE_QUOTE = '\u0000quote-close\u0000';

/**
 * How much of an HTML body is read. A reply longer than the 4000-character message limit
 * is refused anyway; the cap bounds the work a hostile email can cause before that.
 */
export const HTML_READ_LIMIT = 256 * 1024;

/**
 * How many elements and text chunks are read at most. Each costs a call into JavaScript,
 * so this bounds the time of markup made of little else (tens of thousands of nested
 * quotes); a real reply's own text comes long before it.
 */
const MAX_NODES = 5_000;

/** replyText drops every quoted line whatever its depth; the prefix only shows the nesting. */
const MAX_QUOTE_PREFIX = 8;

const BLOCKS = 'p, div, li, tr, h1, h2, h3, h4, h5, h6, pre, table';

/**
 * Plain text of an HTML-only email, for replyText: blocks become lines and the content of
 * <blockquote> gets the "> " prefix a plain-text client would have written. The runtime's
 * streaming HTML parser (lol-html) reads it in linear time whatever the markup: an unclosed
 * <style> or comment simply runs to the end, where regular expressions went quadratic.
 */
export async function htmlToText(html: string): Promise<string> {
  const parts: string[] = [];
  let budget = MAX_NODES;
  // Throwing from a handler ends the transform; what was read so far is kept (see below).
  const visit = (): void => {
    if (--budget < 0) throw new RangeError('enough of this email was read');
  };
  const line = (): void => {
    visit();
    parts.push('\n');
  };
  let hidden = 0;
  const rewriter = new HTMLRewriter()
    .on('head, style, script, title, template', {
      element(e) {
        // Their text is not reported while they are open; an unclosed one hides the rest.
        visit();
        hidden++;
        e.onEndTag(() => void hidden--);
      },
    })
    .on('blockquote', {
      element(e) {
        visit();
        parts.push(`\n${OPEN_QUOTE}\n`);
        e.onEndTag(() => void parts.push(`\n${CLOSE_QUOTE}\n`));
      },
    })
    // Void elements have no end tag to wait for.
    .on('br, hr', { element: line })
    .on(BLOCKS, {
      element(e) {
        line();
        e.onEndTag(line);
      },
    })
    .onDocument({
      text(chunk) {
        visit();
        if (hidden === 0) parts.push(chunk.text);
      },
    });
  try {
    await rewriter.transform(new Response(html.slice(0, HTML_READ_LIMIT), { headers: { 'content-type': 'text/html; charset=utf-8' } })).arrayBuffer();
  } catch {
    // Past MAX_NODES, or past the parser's memory limit (a tag of hundreds of kilobytes,
    // thousands of nested elements), what was read up to there is the text of the email.
  }
  let depth = 0;
  const out: string[] = [];
  for (const raw of parts.join('').split('\n')) {
    if (raw === OPEN_QUOTE) depth++;
    else if (raw === CLOSE_QUOTE) depth = Math.max(0, depth - 1);
    else {
      const text = decodeEntities(raw).replace(/[ \t]+/g, ' ').trim();
      // Bounded, or thousands of nested quotes would make the text quadratic in the input.
      out.push(depth > 0 ? `${'> '.repeat(Math.min(depth, MAX_QUOTE_PREFIX))}${text}` : text);
    }
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}
