import { describe, expect, it } from 'vitest';
import { literalPhrases, phrasesOf, spokenForm, valueTokens } from './phrases';

describe('speech phrases', () => {
  it('cuts a text at its placeholders into literal pieces and value tokens', () => {
    expect(phrasesOf('あと{count}回まで入力できます', { count: 3 })).toEqual([
      'あと',
      '3',
      '回まで入力できます',
    ]);
    expect(
      phrasesOf('ご利用時間は{opensAt}〜{closesAt}です', { opensAt: '06:30', closesAt: '23:00' }),
    ).toEqual(['ご利用時間は', '06:30', '23:00', 'です']);
    expect(phrasesOf('Certificate valid until: {date}', { date: 'June 1, 2030' })).toEqual([
      'Certificate valid until:',
      'June',
      '1,',
      '2030',
    ]);
    expect(phrasesOf('電子証明書の有効期限：{date}', { date: '2030年6月1日' })).toEqual([
      '電子証明書の有効期限：',
      '2030年',
      '6月',
      '1日',
    ]);
  });

  it('the literal phrases of a template are the pieces phrasesOf uses, whatever the values', () => {
    const template = 'Code: {code}';
    expect(literalPhrases(template)).toEqual(['Code:']);
    expect(phrasesOf(template, { code: 'E-041' })).toEqual(['Code:', 'E-', '041']);
    expect(valueTokens('E-041')).toEqual(['E-', '041']);
  });

  it('gives the engines times as words, codes digit by digit', () => {
    expect(spokenForm('ja', '06:30')).toBe('6時30分');
    expect(spokenForm('ja', '23:00')).toBe('23時');
    expect(spokenForm('zh', '06:30')).toBe('6点30分');
    expect(spokenForm('en', '23:00')).toBe("23 o'clock");
    expect(spokenForm('en', '041')).toBe('0 4 1');
    expect(spokenForm('en', 'E-')).toBe('E');
    expect(spokenForm('en', 'Please wait')).toBe('Please wait');
  });
});
