/**
 * Furigana (ruby) on the Japanese screens, for customers who read kana better than kanji:
 * children, foreign residents, people with reading difficulties (docs/speech.md, "Languages").
 * Readings come from this glossary of the catalogue's words, written `{漢字|かんじ}` with the kana
 * around a kanji where its reading depends on it (`{行|おこな}っ`). A test keeps every kanji of
 * ja.json covered, so a new text without readings fails there rather than showing bare kanji.
 */
const GLOSSARY = [
  // Words of the procedure.
  '{利用者|りようしゃ}',
  '{証明用|しょうめいよう}',
  '{電子|でんし}',
  '{証明書|しょうめいしょ}',
  '{署名用|しょめいよう}',
  '{暗証番号|あんしょうばんごう}',
  '{英大文字|えいおおもじ}',
  '{英数字|えいすうじ}',
  '{本人|ほんにん}',
  '{確認|かくにん}',
  '{有効|ゆうこう}',
  '{期限|きげん}',
  '{市区町村|しくちょうそん}',
  '{予約|よやく}',
  '{再設定|さいせってい}',
  '{設定|せってい}',
  '{手続|てつづ}き{中|ちゅう}',
  '{手続|てつづ}',
  '{失効|しっこう}',
  '{発行|はっこう}',
  '{更新|こうしん}',
  '{窓口|まどぐち}',
  '{店員|てんいん}',
  '{店舗|てんぽ}',
  '{機械|きかい}',
  '{読|よ}み{取|と}り{中|ちゅう}',
  '{読|よ}み{取|と}り',
  '{読|よ}み{取|と}っ',
  '{読|よ}み{取|と}れ',
  '{機|き}',
  // Everyday words.
  '{利用|りよう}',
  '{端末|たんまつ}',
  'メンテナンス{中|ちゅう}',
  '{現在|げんざい}',
  '{手持|ても}ち',
  '{再開|さいかい}',
  '{目安|めやす}',
  '{尋|たず}ね',
  '{時間内|じかんない}',
  '{時間切|じかんぎ}れ',
  '{時間|じかん}',
  '{以内|いない}',
  '{一度|いちど}',
  '{一文字|ひともじ}',
  '{文字数|もじすう}',
  '{文字|もじ}',
  '{字|じ}{消|け}す',
  '{消|け}し',
  '{入力|にゅうりょく}{済|ず}み',
  '{入力|にゅうりょく}',
  '{日本語|にほんご}',
  '{可能性|かのうせい}',
  '{同意|どうい}',
  '{操作|そうさ}',
  '{終了|しゅうりょう}',
  '{決定|けってい}',
  '{数字|すうじ}',
  '{画面|がめん}',
  '{準備|じゅんび}',
  '{場合|ばあい}',
  '{事前|じぜん}',
  '{必要|ひつよう}',
  '{用意|ようい}',
  '{記録|きろく}',
  '{送信|そうしん}',
  '{他人|たにん}',
  '{大切|たいせつ}',
  '{保管|ほかん}',
  '{注意|ちゅうい}',
  '{中央|ちゅうおう}',
  '{金属|きんぞく}',
  '{一方|いっぽう}',
  '{作成|さくせい}',
  '{問題|もんだい}',
  '{変更|へんこう}',
  '{取|と}り{消|け}',
  '{途中|とちゅう}',
  '{一枚|いちまい}',
  '{応答|おうとう}',
  '{結婚|けっこん}',
  '{住所|じゅうしょ}',
  '{氏名|しめい}',
  '{表示|ひょうじ}',
  '{完了|かんりょう}',
  '{形式|けいしき}',
  '{一致|いっち}',
  '{回目|かいめ}',
  '{回|かい}',
  '{接続|せつぞく}',
  '{通信|つうしん}',
  '{休止中|きゅうしちゅう}',
  '{間違|まちが}え',
  '{間違|まちが}い',
  // Words of the keypad, help and cancel question (kiosk-access).
  '{訂正|ていせい}',
  '{取消|とりけし}',
  '{消去|しょうきょ}',
  '{標準|ひょうじゅん}',
  '{総合|そうごう}',
  '{音声|おんせい}',
  '{案内|あんない}',
  '{受付|うけつけ}',
  '{以上|いじょう}',
  '{英字|えいじ}',
  '{何番目|なんばんめ}',
  '{両方|りょうほう}',
  '{番号|ばんごう}',
  // Kanji whose reading depends on the kana after them.
  '{進|すす}む',
  '{続|つづ}け',
  '{次|つぎ}',
  '{桁|けた}',
  '{混|ま}ぜ',
  '{待|ま}ち',
  '{動|うご}か',
  '{動|うご}い',
  '{押|お}し',
  '{秒|びょう}',
  '{試|ため}し',
  '{声|こえ}',
  '{忘|わす}れ',
  '{新|あたら}し',
  '{選|えら}ん',
  '{行|おこな}っ',
  '{行|おこな}え',
  '{中|なか}だけ',
  '{使|つか}え',
  '{使|つか}わ',
  '{使|つか}う',
  '{使|つか}っ',
  '{使|つか}い',
  '{足|た}り',
  '{相談|そうだん}',
  '{毎日|まいにち}',
  '{取|と}り',
  '{置|お}か',
  '{置|お}い',
  '{置|お}き',
  '{終|お}わ',
  'か{月|げつ}',
  '{切|き}っ',
  '{切|き}れ',
  '{住|す}ま',
  '{知|し}ら',
  '{越|こ}し',
  '{別|べつ}',
  '{上|うえ}',
  '{確|たし}か',
  '{直|なお}し',
  '{先|さき}',
  '{持|も}っ',
  '{扱|あつか}',
  '{起|お}き',
  '{正|ただ}し',
  '{外|はず}さ',
  '{離|はな}れ',
  '{同|おな}じ',
  '{何|なに}も',
  '{違|ちが}い',
  '{違|ちが}っ',
  '{過|す}ぎ',
  '{申|もう}し{込|こ}み',
  '{引|ひ}っ',
  '{変|か}わ',
  '{見|み}つ',
  '{決|き}ま',
  '{合|あ}わ',
  '{合|あ}う',
  '{受|う}け{付|つ}け',
  '{問|と}い',
  '{残|のこ}っ',
  '{方|ほう}',
  '{戻|もど}る',
  '{大|おお}きく',
  '{押|お}す',
  '{消|け}す',
  '{読|よ}み{上|あ}げ',
  '{閉|と}じ',
  '{守|まも}ら',
  '{直|なお}せ',
  '{組|く}み',
  '{短|みじか}すぎ',
  '{入|はい}っ',
  '{入|い}れ',
  '{合|あ}っ',
  '{覧|らん}',
  '{選|えら}び',
  '{覚|おぼ}え',
  '{進|すす}み',
  '{並|なら}ん',
  '{無|な}い',
  '{出|だ}し',
  '{決|き}め',
  '{必|かなら}ず',
  '{防|ふせ}ぐ',
  '{人|ひと}に',
  '{教|おし}え',
  '{始|はじ}ま',
  '{伝|つた}え',
];

/** A piece of text: plain, or a base (kanji) with its reading. */
export type RubySegment = { text: string; reading?: string };

interface Entry {
  surface: string;
  segments: RubySegment[];
}

function parseEntry(annotated: string): Entry {
  const segments: RubySegment[] = [];
  for (const match of annotated.matchAll(/\{([^|}]+)\|([^}]+)\}|([^{]+)/g)) {
    if (match[3] !== undefined) segments.push({ text: match[3] });
    else segments.push({ text: match[1] ?? '', reading: match[2] ?? '' });
  }
  return { surface: segments.map((s) => s.text).join(''), segments };
}

/** Longest surface first, so 暗証番号 wins over 番号 and 手続き中 over 手続. */
const ENTRIES = GLOSSARY.map(parseEntry).sort((a, b) => b.surface.length - a.surface.length);
export const KANJI = /[\u4e00-\u9fff々]/u;

/** `text` cut into plain pieces and glossary words with their readings (kanji left bare if unknown). */
export function rubySegments(text: string): RubySegment[] {
  const out: RubySegment[] = [];
  let plain = '';
  for (let at = 0; at < text.length;) {
    const entry = ENTRIES.find((e) => text.startsWith(e.surface, at));
    if (!entry) {
      plain += text[at];
      at++;
      continue;
    }
    if (plain) out.push({ text: plain });
    plain = '';
    out.push(...entry.segments);
    at += entry.surface.length;
  }
  if (plain) out.push({ text: plain });
  return out;
}

/**
 * Adds furigana to every Japanese text node under `root` (not to other languages' labels, such
 * as the language buttons). The reading is drawn by CSS from `data-reading` of an empty `<rt>`, so
 * the element's text stays the catalogue text (what tests, the speech log and search read).
 */
export function addFurigana(root: HTMLElement): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node as Text;
    const parent = text.parentElement;
    // A <progress> element's text is its fallback, never drawn: no ruby there. Nor in the PIN
    // screen's alert slot: its height is fixed so the keys never move under a finger, and ruby
    // would make a notice taller than the slot (the notice is spoken as well).
    if (
      !parent?.closest('.pin-alert') &&
      KANJI.test(text.data) &&
      !parent?.closest('progress') &&
      parent?.closest('[lang]')?.getAttribute('lang') === 'ja'
    ) {
      nodes.push(text);
    }
  }
  for (const node of nodes) {
    const pieces = rubySegments(node.data).map((segment) => {
      if (segment.reading === undefined) return document.createTextNode(segment.text);
      const ruby = document.createElement('ruby');
      const rt = document.createElement('rt');
      rt.dataset.reading = segment.reading;
      ruby.append(segment.text, rt);
      return ruby;
    });
    node.replaceWith(...pieces);
  }
}
