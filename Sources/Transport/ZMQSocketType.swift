import CZeroMQ

/// The ZeroMQ socket patterns ICRL uses.
public enum ZMQSocketType: Int32, Sendable, CustomStringConvertible {
    case pub = 1      // ZMQ_PUB
    case sub = 2      // ZMQ_SUB
    case dealer = 5   // ZMQ_DEALER
    case router = 6   // ZMQ_ROUTER
    case pull = 7     // ZMQ_PULL
    case push = 8     // ZMQ_PUSH
    case pair = 0     // ZMQ_PAIR
    case req = 3      // ZMQ_REQ
    case rep = 4      // ZMQ_REP

    public var description: String {
        switch self {
        case .pub: "PUB"
        case .sub: "SUB"
        case .dealer: "DEALER"
        case .router: "ROUTER"
        case .pull: "PULL"
        case .push: "PUSH"
        case .pair: "PAIR"
        case .req: "REQ"
        case .rep: "REP"
        }
    }
}
