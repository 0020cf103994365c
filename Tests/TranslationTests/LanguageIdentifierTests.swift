import Testing
import Translation

/// CLD2 through its C interface: codes, shares, and text it cannot place.
@Suite struct LanguageIdentifierTests {
    @Test(arguments: [
        ("Select the cell range and click OK.", "en"), ("选择单元格区域，然后点击确定。", "zh"), ("選擇儲存格範圍，然後按一下確定。", "zh"),
        ("Seleccione el rango de celdas y pulse Aceptar.", "es"), ("Выберите диапазон ячеек и нажмите кнопку.", "ru"),
        ("セル範囲を選択して、OK をクリックします。", "ja"),
    ])
    func sentences(_ text: String, _ language: String) {
        let (guesses, _) = LanguageIdentifier.identify(text)
        #expect(guesses.first?.language == language, "\(text): \(guesses)")
        #expect(guesses.allSatisfy { (1...100).contains($0.percent) && !$0.language.contains("-") })
    }

    @Test func noLettersNoGuessesAndNoCrash() {
        #expect(LanguageIdentifier.identify("").guesses.isEmpty)
        #expect(LanguageIdentifier.identify("12 345 !?").guesses.isEmpty)
        _ = LanguageIdentifier.identify(String(repeating: "a\u{0}b ", count: 10_000))
        _ = LanguageIdentifier.identify(String(decoding: [0xC3, 0x28, 0xFF, 0x41], as: UTF8.self))
    }
}
