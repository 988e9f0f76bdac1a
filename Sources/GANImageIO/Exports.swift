// PathName (GANPaths) comes with GANImageIO: every module that reads or writes files splits paths with it.
@_exported import GANPaths
