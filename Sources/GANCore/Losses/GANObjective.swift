// Adversarial objectives on discriminator logits (means over all logits).
// minimax (Goodfellow 2014):  L_D = BCE(real, 1) + BCE(fake, 0);  L_G = -BCE(fake, 0) = mean log(1 - σ(fake)).
// nonsaturating:              L_D as minimax;                      L_G = BCE(fake, 1) = mean -log σ(fake).
// lsgan (Mao 2017):           L_D = ½ (MSE(real, 1) + MSE(fake, 0));   L_G = MSE(fake, 1)  (CycleGAN's weighting).
// hinge (Lim & Ye 2017):      L_D = mean relu(1 - real) + mean relu(1 + fake);  L_G = -mean fake.

/// A GAN objective: how the discriminator and generator losses are formed from D's logits.
public enum GANObjective: String, Sendable, CaseIterable, Codable {
    /// The original zero-sum game; the generator minimises mean log(1 - sigmoid(D(fake))) = -L_D's fake term.
    case minimax
    /// Non-saturating: the generator minimises mean -log sigmoid(D(fake)).
    case nonsaturating
    /// Least squares (LSGAN): D regresses real to 1 and fake to 0 (the two terms halved, as Mao et al.
    /// and CycleGAN weight them), G regresses fake to 1.
    case lsgan
    /// Hinge loss: D minimises relu(1 - real) + relu(1 + fake), G minimises -fake.
    case hinge

    /// The discriminator's loss: the sum of its real term and its fake term.
    /// Pass `fakeLogits` computed on detached fakes so that no gradient reaches the generator.
    public func discriminatorLoss(realLogits: Variable, fakeLogits: Variable) -> Variable {
        switch self {
        case .minimax, .nonsaturating:
            return bceWithLogitsLoss(realLogits, 1) + bceWithLogitsLoss(fakeLogits, 0)
        case .lsgan:
            return (mseLoss(realLogits, 1) + mseLoss(fakeLogits, 0)) * 0.5
        case .hinge:
            return mean(relu(1 - realLogits)) + mean(relu(1 + fakeLogits))
        }
    }

    /// The real-image term of the discriminator's loss (`discriminatorLoss` = real term + fake term).
    public func discriminatorRealTerm(_ realLogits: Variable) -> Variable {
        switch self {
        case .minimax, .nonsaturating: return bceWithLogitsLoss(realLogits, 1)
        case .lsgan: return mseLoss(realLogits, 1) * 0.5
        case .hinge: return mean(relu(1 - realLogits))
        }
    }

    /// The generated-image term of the discriminator's loss.
    public func discriminatorFakeTerm(_ fakeLogits: Variable) -> Variable {
        switch self {
        case .minimax, .nonsaturating: return bceWithLogitsLoss(fakeLogits, 0)
        case .lsgan: return mseLoss(fakeLogits, 0) * 0.5
        case .hinge: return mean(relu(1 + fakeLogits))
        }
    }

    /// The generator's loss from D's logits on generated samples.
    public func generatorLoss(fakeLogits: Variable) -> Variable {
        switch self {
        case .minimax: return -bceWithLogitsLoss(fakeLogits, 0)
        case .nonsaturating: return bceWithLogitsLoss(fakeLogits, 1)
        case .lsgan: return mseLoss(fakeLogits, 1)
        case .hinge: return -mean(fakeLogits)
        }
    }
}
