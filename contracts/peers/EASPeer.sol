// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EAS} from "@ethereum-attestation-service/eas-contracts/contracts/EAS.sol";
import {ISchemaRegistry} from "@ethereum-attestation-service/eas-contracts/contracts/ISchemaRegistry.sol";
import {SchemaRegistry} from "@ethereum-attestation-service/eas-contracts/contracts/SchemaRegistry.sol";

/// @notice Benchmark peer only: the Ethereum Attestation Service, unchanged, from npm.
contract EASPeer is EAS {
    constructor(ISchemaRegistry registry) EAS(registry) {}
}

/// @notice Benchmark peer only: the EAS schema registry, unchanged, from npm.
contract SchemaRegistryPeer is SchemaRegistry {}
