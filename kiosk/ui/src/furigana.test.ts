import { describe, expect, it } from 'vitest';
import { loadCatalogues } from '../catalogues';
import { KANJI, rubySegments } from './furigana';

const japanese = loadCatalogues().ja ?? {};

describe('furigana', () => {
  it('gives every kanji of ja.json a reading (a new text without one fails here)', () => {
    const bare = Object.entries(japanese).flatMap(([key, text]) =>
      rubySegments(text)
        .filter((segment) => segment.reading === undefined && KANJI.test(segment.text))
        .map((segment) => `${key}: ${segment.text}`),
    );
    expect(bare).toEqual([]);
  });

  it('keeps the text: the pieces put together are the catalogue text', () => {
    for (const text of Object.values(japanese)) {
      expect(
        rubySegments(text)
          .map((segment) => segment.text)
          .join(''),
      ).toBe(text);
    }
  });

  it('reads a kanji by the kana around it (行った, 行えません; 手続き中, カードの中)', () => {
    const readings = (text: string): string[] =>
      rubySegments(text).flatMap((s) => (s.reading ? [`${s.text}=${s.reading}`] : []));
    expect(readings('暗証番号を入力してください')).toEqual([
      '暗証番号=あんしょうばんごう',
      '入力=にゅうりょく',
    ]);
    expect(readings('アプリで行った予約')).toEqual(['行=おこな', '予約=よやく']);
    expect(readings('この機械では行えません')).toEqual(['機械=きかい', '行=おこな']);
    expect(readings('別の機械で手続き中です')).toEqual([
      '別=べつ',
      '機械=きかい',
      '手続=てつづ',
      '中=ちゅう',
    ]);
    expect(readings('カードの中だけで使われ')).toEqual(['中=なか', '使=つか']);
  });
});
