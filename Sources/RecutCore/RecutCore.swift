@_exported import RecutData
