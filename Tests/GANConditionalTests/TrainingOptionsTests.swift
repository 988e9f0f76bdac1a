import Testing
@testable import GANConditional

/// `ConditionalTrainingOptions.problem`, the one range check of the label GAN's settings.
struct TrainingOptionsTests {
    @Test func eachSettingOutOfRangeIsNamed() {
        #expect(ConditionalTrainingOptions().problem == nil)
        let cases: [(ConditionalTrainingOptions.Problem.Setting, (inout ConditionalTrainingOptions) -> Void)] = [
            (.batchSize, { $0.batchSize = 0 }), (.learningRate, { $0.discriminatorLearningRate = 0 }),
            (.discriminatorSteps, { $0.discriminatorSteps = 0 }), (.averageDecay, { $0.averageDecay = 1 }),
            (.learningRateDecay, { ($0.decayStartStep, $0.decayEndStep) = (10, 10) }), (.classLossWeight, { $0.classLossWeight = -1 }),
            (.diversityWeight, { $0.diversityWeight = .nan }), (.diversityQuantile, { $0.diversityQuantile = 0.1 }),
            (.consistencyWeight, { $0.consistencyWeight = -0.5 }), (.generatorTopFraction, { $0.generatorTopFraction = 0 }),
        ]
        #expect(Set(cases.map(\.0)) == Set(ConditionalTrainingOptions.Problem.Setting.allCases))
        for (setting, spoil) in cases {
            var options = ConditionalTrainingOptions()
            spoil(&options)
            #expect(options.problem?.setting == setting, "\(setting)")
            #expect(options.problem?.description.hasPrefix("the \(setting.rawValue) ") == true)
        }
        var withWeight = ConditionalTrainingOptions()
        (withWeight.diversityWeight, withWeight.diversityQuantile) = (5, 0.1)
        #expect(withWeight.problem == nil, "a quantile with its weight is fine")
    }
}
