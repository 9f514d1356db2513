/// A bar chart as a standalone SVG element: one bar per bin, optionally several series side by
/// side, with a labelled y axis, so that reports need no script or library to show a distribution.
public struct SVGBarChart: Sendable {
    /// One named set of values, one per bin.
    public struct Series: Sendable {
        /// Name in the legend and in each bar's `data-series`.
        public var name: String
        /// Height of each bin's bar.
        public var values: [Double]

        /// A series of one value per bin.
        public init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    /// Title above the plot.
    public var title: String
    /// Label of each bin, under its bars.
    public var binLabels: [String]
    /// The series; every one has a value per bin.
    public var series: [Series]
    /// Width of the whole chart in pixels.
    public var width = 560.0
    /// Height of the whole chart in pixels.
    public var height = 260.0

    /// Colours of the series, in order (repeated when there are more series).
    public static let palette = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2"]

    /// A chart of `series` over bins labelled `binLabels`.
    public init(title: String, binLabels: [String], series: [Series]) {
        precondition(series.allSatisfy { $0.values.count == binLabels.count }, "one value per bin in every series")
        self.title = title
        self.binLabels = binLabels
        self.series = series
    }

    /// The chart as SVG markup; every bar is a `rect` of class `bar` carrying its value in `data-value`.
    public func svg() -> String {
        let left = 56.0, right = 12.0, top = 28.0, bottom = series.count > 1 ? 64.0 : 48.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        // An empty chart keeps the axis of 0...1 rather than a vanishing scale.
        let largest = series.flatMap(\.values).max() ?? 0
        let scale = largest > 0 ? Self.niceCeiling(largest) : 1
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(Self.number(width))\" "
            + "height=\"\(Self.number(height))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\">"
        out += "<title>\(HTML.escape(title))</title>"
        out += "<text x=\"\(Self.number(width / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">"
            + "\(HTML.escape(title))</text>"
        for tick in 0...4 {
            let value = scale * Double(tick) / 4, y = top + plotHeight - plotHeight * Double(tick) / 4
            out += "<line x1=\"\(Self.number(left))\" x2=\"\(Self.number(left + plotWidth))\" y1=\"\(Self.number(y))\" "
                + "y2=\"\(Self.number(y))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(Self.number(left - 4))\" y=\"\(Self.number(y + 4))\" text-anchor=\"end\" font-size=\"10\">"
                + "\(Self.tickLabel(value))</text>"
        }
        let slot = plotWidth / Double(Swift.max(1, binLabels.count))
        let barWidth = slot * 0.8 / Double(Swift.max(1, series.count))
        // Labels take about 6 px a character; every bin gets one when they fit, else every few.
        let labelWidth = Double(binLabels.map(\.count).max() ?? 1) * 6 + 8
        let labelEvery = Swift.max(1, Int((Double(binLabels.count) * labelWidth / plotWidth).rounded(.up)))
        for (bin, label) in binLabels.enumerated() {
            for (index, one) in series.enumerated() {
                let value = one.values[bin], barHeight = plotHeight * value / scale
                let x = left + slot * Double(bin) + slot * 0.1 + barWidth * Double(index)
                out += "<rect class=\"bar\" data-series=\"\(HTML.escape(one.name))\" data-value=\"\(Self.number(value))\" "
                    + "x=\"\(Self.number(x))\" y=\"\(Self.number(top + plotHeight - barHeight))\" "
                    + "width=\"\(Self.number(barWidth))\" height=\"\(Self.number(barHeight))\" "
                    + "fill=\"\(Self.palette[index % Self.palette.count])\"><title>\(HTML.escape(one.name)) \(HTML.escape(label)): "
                    + "\(Self.tickLabel(value))</title></rect>"
            }
            if bin % labelEvery == 0 {
                out += "<text x=\"\(Self.number(left + slot * (Double(bin) + 0.5)))\" y=\"\(Self.number(top + plotHeight + 14))\" "
                    + "text-anchor=\"middle\" font-size=\"10\">\(HTML.escape(label))</text>"
            }
        }
        out += "<line x1=\"\(Self.number(left))\" x2=\"\(Self.number(left + plotWidth))\" y1=\"\(Self.number(top + plotHeight))\" "
            + "y2=\"\(Self.number(top + plotHeight))\" stroke=\"#333\"/>"
        if series.count > 1 {
            var x = left
            for (index, one) in series.enumerated() {
                out += "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(height - 22))\" width=\"10\" height=\"10\" "
                    + "fill=\"\(Self.palette[index % Self.palette.count])\"/>"
                out += "<text x=\"\(Self.number(x + 14))\" y=\"\(Self.number(height - 13))\" font-size=\"10\">"
                    + "\(HTML.escape(one.name))</text>"
                x += 22 + Double(one.name.count) * 6
            }
        }
        return out + "</svg>"
    }

    /// The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value`.
    static func niceCeiling(_ value: Double) -> Double {
        var power = 1.0
        while power * 10 < value { power *= 10 }
        while power > value { power /= 10 }
        for step in [1.0, 2, 2.5, 5, 10] where power * step >= value { return power * step }
        return power * 10
    }

    /// A short label for an axis value: integers as such, else three significant digits.
    static func tickLabel(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.3g", value)
    }

    /// A coordinate with at most two decimals.
    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
