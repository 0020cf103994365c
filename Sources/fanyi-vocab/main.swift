import Tokenization
let t = try Tokenizer(options: TokenizerOptions(language: "zh"))
for s in ["我是中国人我的母语是汉语。Hello, world!", "  a\tb  c (d) e-f ￭ ⟪x⟫ ", "", "   ", "Don't stop 3.14 http://x.org/a?b=c 👍🏽👨‍👩‍👧 ไปไหนมา"] {
  let tok = try t.tokenize(s)
  let back = Tokenizer.detokenize(tok)
  print(tok.joined(separator: " "), back == s)
}
